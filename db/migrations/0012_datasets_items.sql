-- Datasets: labelled photos a user gathers to train a model on (datasets
-- module). Photos live in a content-addressed blob store; an item names
-- one by its SHA-256, so a photo is in a dataset at most once whatever
-- its file name. dataset_labels keeps the names a labels file gave
-- (scientific and common), also for labels no photo carries yet.

-- +goose Up
CREATE TABLE datasets (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX datasets_user_created ON datasets (user_id, created_at);

CREATE TABLE dataset_items (
    id         TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    filename   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    label      TEXT NOT NULL CHECK (label <> ''),
    group_name TEXT NOT NULL DEFAULT '',
    size_bytes BIGINT NOT NULL,
    width      INTEGER NOT NULL DEFAULT 0,
    height     INTEGER NOT NULL DEFAULT 0,
    format     TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL CHECK (source IN ('upload', 'feedback')),
    source_ref TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (dataset_id, sha256)
);
CREATE INDEX dataset_items_label ON dataset_items (dataset_id, label, id);
-- For the per-user quotas and for knowing whether a photo is still used.
CREATE INDEX dataset_items_user ON dataset_items (user_id);
CREATE INDEX dataset_items_sha ON dataset_items (sha256);

CREATE TABLE dataset_labels (
    dataset_id      TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    scientific_name TEXT NOT NULL DEFAULT '',
    common_name     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (dataset_id, name)
);

-- +goose Down
DROP TABLE dataset_labels;
DROP TABLE dataset_items;
DROP TABLE datasets;
