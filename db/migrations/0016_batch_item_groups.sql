-- Photos of one fish (batch module). A batch item may belong to a group
-- (a fish track, a camera burst): the group's species is read from the
-- summed probabilities of its frames, so grouped items keep every
-- label's probability (scores, JSON) beside their top-k.

-- +goose Up
ALTER TABLE batch_items ADD COLUMN group_name TEXT NOT NULL DEFAULT '';
ALTER TABLE batch_items ADD COLUMN scores TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN grouped BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE batches DROP COLUMN grouped;
ALTER TABLE batch_items DROP COLUMN scores;
ALTER TABLE batch_items DROP COLUMN group_name;
