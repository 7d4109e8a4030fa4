-- Frozen dataset versions (datasets module). A version's id is derived
-- from its dataset and its exact content (items and label names), so
-- freezing unchanged content again finds the same row. Its items and
-- labels are copied, not referenced: later edits of the dataset never
-- reach a version, and a model trained on it names data that still
-- exists as it was.

-- +goose Up
CREATE TABLE dataset_versions (
    id         TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    items      INTEGER NOT NULL,
    labels     INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX dataset_versions_dataset ON dataset_versions (dataset_id, created_at);

CREATE TABLE dataset_version_items (
    version_id TEXT NOT NULL REFERENCES dataset_versions (id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    group_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, label, sha256)
);
CREATE INDEX dataset_version_items_sha ON dataset_version_items (sha256);

CREATE TABLE dataset_version_labels (
    version_id      TEXT NOT NULL REFERENCES dataset_versions (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    scientific_name TEXT NOT NULL DEFAULT '',
    common_name     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, name)
);

-- +goose Down
DROP TABLE dataset_version_labels;
DROP TABLE dataset_version_items;
DROP TABLE dataset_versions;
