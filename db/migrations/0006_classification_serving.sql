-- Several models served side by side (classification module): a model is
-- ready (loaded in every process) or stored only; is_active keeps marking
-- the deployment's default model, which is always ready. Deleted models
-- keep their row (history and batch results still name them) without
-- their file. Predictions carry their model's name, so history needs no
-- join and survives a deletion.

-- +goose Up
ALTER TABLE models ADD COLUMN ready BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE models ADD COLUMN memory_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN deleted_at TIMESTAMP;
UPDATE models SET ready = is_active;
CREATE INDEX models_ready ON models (ready);

ALTER TABLE predictions ADD COLUMN model_name TEXT NOT NULL DEFAULT '';
UPDATE predictions SET model_name = COALESCE((SELECT name FROM models WHERE models.id = predictions.model_id), '');

-- +goose Down
ALTER TABLE predictions DROP COLUMN model_name;
DROP INDEX models_ready;
ALTER TABLE models DROP COLUMN deleted_at;
ALTER TABLE models DROP COLUMN memory_bytes;
ALTER TABLE models DROP COLUMN ready;
