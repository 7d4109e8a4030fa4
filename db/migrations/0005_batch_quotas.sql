-- Per-user batch quotas (batch module). batch_usage holds what each
-- user's batches hold: it changes only in the transactions that create and
-- delete batches, so it never drifts from the rows, and its guarded UPDATE
-- is what makes two concurrent uploads unable to pass a quota together.
-- stored_bytes is the bytes of a batch's stored photos, given back to the
-- quota when the batch is deleted. Existing batches are counted here;
-- items that failed at upload (chunk -1) have no stored photo.

-- +goose Up
ALTER TABLE batches ADD COLUMN stored_bytes BIGINT NOT NULL DEFAULT 0;
UPDATE batches SET stored_bytes = (SELECT COALESCE(SUM(size_bytes), 0) FROM batch_items
    WHERE batch_items.batch_id = batches.id AND batch_items.chunk >= 0);

CREATE TABLE batch_usage (
    user_id TEXT PRIMARY KEY,
    batches INTEGER NOT NULL DEFAULT 0,
    photos  INTEGER NOT NULL DEFAULT 0,
    bytes   BIGINT NOT NULL DEFAULT 0
);
INSERT INTO batch_usage (user_id, batches, photos, bytes)
    SELECT user_id, COUNT(*), SUM(total), SUM(stored_bytes) FROM batches GROUP BY user_id;

-- +goose Down
DROP TABLE batch_usage;
ALTER TABLE batches DROP COLUMN stored_bytes;
