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

// rotate retires old and stores next in one transaction. It reports false
// when old was retired meanwhile: of two concurrent refreshes with the
// same token exactly one wins, and the other counts as reuse.
func (s *store) rotate(ctx context.Context, oldID string, next *refreshToken) (bool, error) {
	next.CreatedAt = s.timestamp()
	won := false
	err := s.tx(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&refreshToken{}).Where("id = ? AND revoked = ?", oldID, false).
			Updates(map[string]any{"revoked": true, "replaced_by": next.ID})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return nil
		}
		won = true
		return tx.Create(next).Error
	})
	if err != nil {
		return false, fmt.Errorf("auth: rotate refresh token: %w", err)
	}
	return won, nil
}

func (s *store) revokeFamily(ctx context.Context, familyID string) error {
	err := s.tx(ctx).Model(&refreshToken{}).Where("family_id = ? AND revoked = ?", familyID, false).
		Update("revoked", true).Error
	if err != nil {
		return fmt.Errorf("auth: revoke session: %w", err)
	}
	return nil
}

// revokeSessions revokes every live refresh token of the user outside the
// keep family and returns the families it ended.
func (s *store) revokeSessions(ctx context.Context, userID, keep string) ([]string, error) {
	var families []string
	err := s.tx(ctx).Transaction(func(tx *gorm.DB) error {
		live := tx.Model(&refreshToken{}).Where("user_id = ? AND revoked = ? AND family_id <> ?", userID, false, keep)
		if err := live.Distinct("family_id").Pluck("family_id", &families).Error; err != nil {
			return err
		}
		return tx.Model(&refreshToken{}).Where("user_id = ? AND revoked = ? AND family_id <> ?", userID, false, keep).
			Update("revoked", true).Error
	})
	if err != nil {
		return nil, fmt.Errorf("auth: revoke sessions: %w", err)
	}
	return families, nil
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

// revokeKey revokes the user's live key id; errNoRows when the user has
// no such key, which is also the answer for somebody else's key.
func (s *store) revokeKey(ctx context.Context, userID, id string) error {
	res := s.tx(ctx).Model(&apiKey{}).Where("id = ? AND user_id = ? AND revoked = ?", id, userID, false).
		Update("revoked", true)
	if res.Error != nil {
		return fmt.Errorf("auth: revoke API key: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return errNoRows
	}
	return nil
}

// keyOwner is an API key with the state of its owner, read in one query
// so each API-key request costs one round trip.
type keyOwner struct {
	ID         string
	UserID     string
	SecretHash string
	Revoked    bool
	LastUsedAt *time.Time
	IsActive   bool
	Role       string
}

func (s *store) keyByPrefix(ctx context.Context, prefix string) (keyOwner, error) {
	var rows []keyOwner
	err := s.tx(ctx).Raw(`SELECT k.id, k.user_id, k.secret_hash, k.revoked, k.last_used_at, u.is_active, u.role
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?`, prefix).Scan(&rows).Error
	if err != nil {
		return keyOwner{}, fmt.Errorf("auth: load API key: %w", err)
	}
	if len(rows) == 0 {
		return keyOwner{}, errNoRows
	}
	return rows[0], nil
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
