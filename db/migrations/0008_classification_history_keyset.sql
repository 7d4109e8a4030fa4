-- History listings walk predictions newest first per user, optionally by
-- label (classification module). These indexes match that order exactly,
-- so a page, its keyset continuation and its count read only the user's
-- index entries instead of scanning the table (411 ms at 1M rows before).

-- +goose Up
CREATE INDEX predictions_user_recent ON predictions (user_id, created_at DESC, id DESC);
CREATE INDEX predictions_user_label_recent ON predictions (user_id, label, created_at DESC, id DESC);
DROP INDEX predictions_user_created;

-- +goose Down
CREATE INDEX predictions_user_created ON predictions (user_id, created_at);
DROP INDEX predictions_user_label_recent;
DROP INDEX predictions_user_recent;
