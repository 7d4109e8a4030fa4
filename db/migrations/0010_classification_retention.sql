-- Retention (classification module). Predictions past
-- RETENTION_PREDICTION_DAYS leave the history but stay counted: one row
-- per day, user, model, label and unknown flag. The image index finds
-- whether a stored photo is still referenced before it is removed.

-- +goose Up
CREATE TABLE prediction_daily (
    day           TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    model_id      TEXT NOT NULL,
    model_name    TEXT NOT NULL,
    model_version TEXT NOT NULL,
    label         TEXT NOT NULL,
    unknown       BOOLEAN NOT NULL,
    n             BIGINT NOT NULL,
    PRIMARY KEY (day, user_id, model_id, label, unknown)
);
CREATE INDEX prediction_daily_user ON prediction_daily (user_id, day);
CREATE INDEX predictions_image ON predictions (image_sha256);

-- +goose Down
DROP INDEX predictions_image;
DROP TABLE prediction_daily;
