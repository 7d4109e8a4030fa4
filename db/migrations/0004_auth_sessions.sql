-- Sessions of the auth module: one row per login, named by the `sid` claim
-- of its access tokens and by the family of its refresh tokens. The row is
-- the source of truth for revocation; Redis only caches it, so a session
-- that was signed out stays signed out when Redis is flushed or restarted.

-- +goose Up
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    -- The expiry of the session's newest refresh token: no token of the
    -- session is valid after it.
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Every refresh-token family becomes a session; a family without a live
-- token was signed out, so its session starts revoked (at its last token,
-- a time both databases can compute without a time zone).
INSERT INTO sessions (id, user_id, created_at, expires_at, revoked_at)
SELECT family_id, MIN(user_id), MIN(created_at), MAX(expires_at),
       CASE WHEN SUM(CASE WHEN revoked THEN 0 ELSE 1 END) = 0 THEN MAX(created_at) END
FROM refresh_tokens
GROUP BY family_id;

-- +goose Down
DROP TABLE sessions;
