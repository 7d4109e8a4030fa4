-- Inputs of any width and height (classification module). input_size
-- keeps the input's height, as it always held the side of a square; the
-- width beside it lets a model read as "128x64". Models registered before
-- were square, so their width is their side.

-- +goose Up
ALTER TABLE models ADD COLUMN input_width INTEGER NOT NULL DEFAULT 0;
UPDATE models SET input_width = input_size;

-- +goose Down
ALTER TABLE models DROP COLUMN input_width;
