-- Postgres only (classification module). The foreign key from predictions
-- to models made every prediction insert take a FOR KEY SHARE lock on its
-- model's row: at hundreds of inserts a second they queue behind any
-- update of that row (a load, an activation). Model rows are never deleted
-- (a deleted model is marked, so history still names it) and prediction
-- model ids come from the models being served, so the key guarded
-- nothing the application does not already keep. SQLite has no row locks
-- and keeps it.

-- +goose Up
ALTER TABLE predictions DROP CONSTRAINT IF EXISTS predictions_model_id_fkey;

-- +goose Down
ALTER TABLE predictions ADD CONSTRAINT predictions_model_id_fkey FOREIGN KEY (model_id) REFERENCES models (id);
