-- Training jobs (training module). The row is the source of truth: the
-- queue task carries only the job id. A worker claims a job with a guarded
-- UPDATE and a claim token and renews lease_until (Unix milliseconds, so
-- both databases compare it exactly) while it trains; a job whose lease ran
-- out is handed to another worker, which resumes from the job's last epoch
-- checkpoint under TRAINING_DIR.

-- +goose Up
CREATE TABLE training_jobs (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL,
    dataset_version TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    request         TEXT NOT NULL,
    labels          TEXT NOT NULL DEFAULT '[]',
    task_id         TEXT NOT NULL DEFAULT '',
    enqueued_at     BIGINT NOT NULL DEFAULT 0,
    claim           TEXT NOT NULL DEFAULT '',
    lease_until     BIGINT NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    worker          TEXT NOT NULL DEFAULT '',
    epoch           INTEGER NOT NULL DEFAULT 0,
    epochs          INTEGER NOT NULL,
    loss            REAL NOT NULL DEFAULT 0,
    val_accuracy    REAL NOT NULL DEFAULT 0,
    val_macro_f1    REAL NOT NULL DEFAULT 0,
    images_per_sec  REAL NOT NULL DEFAULT 0,
    eta_seconds     REAL NOT NULL DEFAULT 0,
    history         TEXT NOT NULL DEFAULT '[]',
    report          TEXT NOT NULL DEFAULT '',
    card            TEXT NOT NULL DEFAULT '',
    model_id        TEXT NOT NULL DEFAULT '',
    error_code      TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    started_at      TIMESTAMP,
    finished_at     TIMESTAMP
);
CREATE INDEX training_jobs_user_created ON training_jobs (user_id, created_at);
CREATE INDEX training_jobs_active ON training_jobs (status) WHERE status IN ('queued', 'running');

-- +goose Down
DROP TABLE training_jobs;
