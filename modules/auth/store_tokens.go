package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

func (s *store) insertRefresh(ctx context.Context, rt *refreshToken) error {
	rt.CreatedAt = s.timestamp()
	if err := s.tx(ctx).Create(rt).Error; err != nil {
		return fmt.Errorf("auth: store refresh token: %w", err)
	}
	return nil
}

func (s *store) refreshByHash(ctx context.Context, hash string) (refreshToken, error) {
	var rt refreshToken
	err := s.tx(ctx).Where("token_hash = ?", hash).Take(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return refreshToken{}, errNoRows
	}
	if err != nil {
		return refreshToken{}, fmt.Errorf("auth: load refresh token: %w", err)
	}
	return rt, nil
}

// pruneRefresh drops the user's expired tokens. Expired tokens are useless
// even for reuse detection: presenting one fails before any family check.
func (s *store) pruneRefresh(ctx context.Context, userID string, before time.Time) error {
	err := s.tx(ctx).Where("user_id = ? AND expires_at < ?", userID, before.UTC()).Delete(&refreshToken{}).Error
	if err != nil {
		return fmt.Errorf("auth: prune refresh tokens: %w", err)
	}
	return nil
}

func (s *store) insertKey(ctx context.Context, k *apiKey) error {
	k.CreatedAt = s.timestamp()
	if err := s.tx(ctx).Create(k).Error; err != nil {
		return fmt.Errorf("auth: store API key: %w", err)
	}
	return nil
}

func (s *store) listKeys(ctx context.Context, userID string) ([]apiKey, error) {
	keys := []apiKey{}
	err := s.tx(ctx).Where("user_id = ? AND revoked = ?", userID, false).Order("created_at, id").Find(&keys).Error
	if err != nil {
		return nil, fmt.Errorf("auth: list API keys: %w", err)
	}
	return keys, nil
}

func (s *store) countKeys(ctx context.Context, userID string) (int64, error) {
	var n int64
	err := s.tx(ctx).Model(&apiKey{}).Where("user_id = ? AND revoked = ?", userID, false).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("auth: count API keys: %w", err)
	}
	return n, nil
}

// revokeKey revokes the user's live key id and returns it; errNoRows
// when the user has no such key, which is also the answer for somebody
// else's key.
func (s *store) revokeKey(ctx context.Context, userID, id string) (keyOwner, error) {
	var rows []keyOwner
	err := s.tx(ctx).Raw(`UPDATE api_keys SET revoked = ? WHERE id = ? AND user_id = ? AND revoked = ?
		RETURNING id, user_id, prefix, secret_hash, COALESCE(rate_limit_per_minute, 0) AS rate_limit_per_minute`, true, id, userID, false).Scan(&rows).Error
	if err != nil {
		return keyOwner{}, fmt.Errorf("auth: revoke API key: %w", err)
	}
	if len(rows) == 0 {
		return keyOwner{}, errNoRows
	}
	rows[0].Revoked = true
	return rows[0], nil
}

// keyOwner is an API key with the state of its owner, read in one query
// so a key the cache does not hold costs one round trip.
type keyOwner struct {
	ID         string
	UserID     string
	Prefix     string
	SecretHash string
	Revoked    bool
	LastUsedAt *time.Time
	IsActive   bool
	Role       string
	// RateLimitPerMinute is the stored budget; 0 is the default.
	RateLimitPerMinute int
}

func (s *store) keyByPrefix(ctx context.Context, prefix string) (keyOwner, error) {
	var rows []keyOwner
	err := s.tx(ctx).Raw(`SELECT k.id, k.user_id, k.prefix, k.secret_hash, k.revoked, k.last_used_at, u.is_active, u.role,
		COALESCE(k.rate_limit_per_minute, 0) AS rate_limit_per_minute FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?`, prefix).Scan(&rows).Error
	if err != nil {
		return keyOwner{}, fmt.Errorf("auth: load API key: %w", err)
	}
	if len(rows) == 0 {
		return keyOwner{}, errNoRows
	}
	return rows[0], nil
}

// keysOf lists the user's keys inside tx: with revoke, it revokes the
// live ones and lists those; otherwise it lists every key, revoked or not,
// so a change of the account's state reaches each cached entry.
func keysOf(tx *gorm.DB, userID string, revoke bool) ([]keyOwner, error) {
	rows := []keyOwner{}
	if revoke {
		err := tx.Raw(`UPDATE api_keys SET revoked = ? WHERE user_id = ? AND revoked = ?
			RETURNING id, user_id, prefix, secret_hash, COALESCE(rate_limit_per_minute, 0) AS rate_limit_per_minute`, true, userID, false).Scan(&rows).Error
		for i := range rows {
			rows[i].Revoked = true
		}
		return rows, err
	}
	err := tx.Raw(`SELECT id, user_id, prefix, secret_hash, revoked,
		COALESCE(rate_limit_per_minute, 0) AS rate_limit_per_minute FROM api_keys WHERE user_id = ?`, userID).Scan(&rows).Error
	return rows, err
}

// touchKey records use at most once per interval, so a busy camera does
// not turn every request into a write.
func (s *store) touchKey(ctx context.Context, id string, interval time.Duration) error {
	now := s.timestamp()
	err := s.tx(ctx).Model(&apiKey{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, now.Add(-interval)).
		Update("last_used_at", now).Error
	if err != nil {
		return fmt.Errorf("auth: touch API key: %w", err)
	}
	return nil
}
