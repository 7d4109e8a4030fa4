-- Batches pinned to one model version (batch module). A batch records at
-- submit the exact model that classifies every one of its photos, so a
-- change of default while it runs cannot mix versions in its results.
-- Batches submitted before this migration have no pin ('') and keep
-- following the default, as they always did. The partial index serves the
-- "is this model in use by a running batch" check made before an unload.

-- +goose Up
ALTER TABLE batches ADD COLUMN model_id TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN model_name TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN model_version TEXT NOT NULL DEFAULT '';
CREATE INDEX batches_running_model ON batches (model_id) WHERE status IN ('queued', 'running');

-- +goose Down
DROP INDEX batches_running_model;
ALTER TABLE batches DROP COLUMN model_version;
ALTER TABLE batches DROP COLUMN model_name;
ALTER TABLE batches DROP COLUMN model_id;
