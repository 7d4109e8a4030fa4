-- Model registry, stored predictions and their feedback (classification module).
-- user ids are not foreign keys: modules do not reach into each other's tables.

-- +goose Up
CREATE TABLE models (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    version           TEXT NOT NULL,
    checksum          TEXT NOT NULL UNIQUE,
    source            TEXT NOT NULL CHECK (source IN ('bundled', 'path', 'upload')),
    file_name         TEXT NOT NULL,
    size_bytes        BIGINT NOT NULL,
    input_size        INTEGER NOT NULL,
    labels            TEXT NOT NULL,
    metrics           TEXT NOT NULL DEFAULT '{}',
    card              TEXT NOT NULL DEFAULT '',
    unknown_threshold REAL NOT NULL DEFAULT 0,
    is_active         BOOLEAN NOT NULL DEFAULT FALSE,
    uploaded_by       TEXT,
    created_at        TIMESTAMP NOT NULL,
    activated_at      TIMESTAMP
);
CREATE INDEX models_active ON models (is_active);

CREATE TABLE predictions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    model_id      TEXT NOT NULL REFERENCES models (id),
    model_version TEXT NOT NULL,
    image_sha256  TEXT NOT NULL,
    image_bytes   BIGINT NOT NULL,
    image_width   INTEGER NOT NULL,
    image_height  INTEGER NOT NULL,
    image_format  TEXT NOT NULL,
    top_k         TEXT NOT NULL,
    label         TEXT NOT NULL,
    confidence    REAL NOT NULL,
    unknown       BOOLEAN NOT NULL,
    cached        BOOLEAN NOT NULL,
    latency_ms    REAL NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX predictions_user_created ON predictions (user_id, created_at);
CREATE INDEX predictions_model_label ON predictions (model_id, label);

CREATE TABLE prediction_feedback (
    prediction_id TEXT PRIMARY KEY REFERENCES predictions (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL,
    correct_label TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE prediction_feedback;
DROP TABLE predictions;
DROP TABLE models;
