-- A training job's refit pass (training module): once the held-out run
-- has chosen its epoch, the job trains again on every photo for that many
-- epochs. refit_epochs is that number once the pass starts (0 before, and
-- for jobs without refit); refit_epoch counts the pass's finished epochs,
-- so a client sees the job move while it refits.

-- +goose Up
ALTER TABLE training_jobs ADD COLUMN refit_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE training_jobs ADD COLUMN refit_epochs INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE training_jobs DROP COLUMN refit_epochs;
ALTER TABLE training_jobs DROP COLUMN refit_epoch;
