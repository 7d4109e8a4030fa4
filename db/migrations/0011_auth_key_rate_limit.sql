-- Per-API-key rate limits (auth module). A key's budget is chosen when
-- the key is made; NULL (every key made before this) means the default
-- for keys, which is sized for a camera rather than for a person.

-- +goose Up
ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute INTEGER;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN rate_limit_per_minute;
