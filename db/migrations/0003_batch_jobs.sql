-- Batch jobs: one row per batch, one row per photo in it, and the users'
-- own webhook signing secrets (batch module). The item rows are the source
-- of truth: queue tasks carry only ids, and every count is derived from
-- the items. lease_until, enqueued_at and webhook_next_at are Unix
-- milliseconds so both databases compare them exactly.

-- +goose Up
CREATE TABLE batches (
    id                   TEXT PRIMARY KEY,
    user_id              TEXT NOT NULL,
    name                 TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'completed_with_errors', 'failed', 'cancelled')),
    top_k                INTEGER NOT NULL,
    total                INTEGER NOT NULL,
    callback_url         TEXT NOT NULL DEFAULT '',
    webhook_state        TEXT NOT NULL DEFAULT 'none' CHECK (webhook_state IN ('none', 'pending', 'delivered', 'failed')),
    webhook_attempts     INTEGER NOT NULL DEFAULT 0,
    webhook_next_at      BIGINT NOT NULL DEFAULT 0,
    webhook_error        TEXT NOT NULL DEFAULT '',
    webhook_delivered_at TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    started_at           TIMESTAMP,
    finished_at          TIMESTAMP
);
CREATE INDEX batches_user_created ON batches (user_id, created_at);
CREATE INDEX batches_active ON batches (status) WHERE status IN ('queued', 'running');
CREATE INDEX batches_webhook_pending ON batches (webhook_next_at) WHERE webhook_state = 'pending';

CREATE TABLE batch_items (
    batch_id      TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    filename      TEXT NOT NULL,
    image_sha256  TEXT NOT NULL DEFAULT '',
    size_bytes    BIGINT NOT NULL DEFAULT 0,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'skipped')),
    chunk         INTEGER NOT NULL,
    task_id       TEXT NOT NULL DEFAULT '',
    enqueued_at   BIGINT NOT NULL DEFAULT 0,
    claim         TEXT NOT NULL DEFAULT '',
    lease_until   BIGINT NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    worker        TEXT NOT NULL DEFAULT '',
    label         TEXT NOT NULL DEFAULT '',
    confidence    REAL NOT NULL DEFAULT 0,
    unknown       BOOLEAN NOT NULL DEFAULT FALSE,
    predictions   TEXT NOT NULL DEFAULT '[]',
    model_id      TEXT NOT NULL DEFAULT '',
    model_name    TEXT NOT NULL DEFAULT '',
    model_version TEXT NOT NULL DEFAULT '',
    width         INTEGER NOT NULL DEFAULT 0,
    height        INTEGER NOT NULL DEFAULT 0,
    format        TEXT NOT NULL DEFAULT '',
    error_code    TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    started_at    TIMESTAMP,
    finished_at   TIMESTAMP,
    PRIMARY KEY (batch_id, seq)
);
-- Work still to do, for the workers' claims and the reconciler.
CREATE INDEX batch_items_pending ON batch_items (batch_id, chunk) WHERE status IN ('queued', 'running');

CREATE TABLE batch_webhook_secrets (
    user_id    TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE batch_webhook_secrets;
DROP TABLE batch_items;
DROP TABLE batches;
