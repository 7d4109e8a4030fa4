package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// errAccountInactive is createSession's answer for an account that was
// deactivated after its password was checked.
var errAccountInactive = errors.New("auth: account inactive")

// createSession stores a new session and its first refresh token together:
// no token ever exists without the row that can revoke it. It holds the
// account row (FOR SHARE on Postgres; SQLite transactions hold the write
// lock) while it does, so a deactivation at the same moment either comes
// first and the login fails with errAccountInactive, or comes after and
// ends this session too.
func (s *store) createSession(ctx context.Context, sess *session, rt *refreshToken) error {
	now := s.timestamp()
	sess.CreatedAt, rt.CreatedAt = now, now
	err := s.tx(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&User{}).Where("id = ?", sess.UserID)
		if tx.Dialector.Name() == "postgres" {
			q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthShare})
		}
		var active []bool
		if err := q.Pluck("is_active", &active).Error; err != nil {
			return err
		}
		if len(active) == 0 || !active[0] {
			return errAccountInactive
		}
		if err := tx.Create(sess).Error; err != nil {
			return err
		}
		return tx.Create(rt).Error
	})
	if errors.Is(err, errAccountInactive) {
		return err
	}
	if err != nil {
		return fmt.Errorf("auth: start session: %w", err)
	}
	return nil
}

// tokenRow is what checking an access token reads from the database in
// one query: its subject's account and the session it names. The session
// fields are nil when there is no such session.
type tokenRow struct {
	IsActive    bool
	Role        string
	SessionUser *string
	ExpiresAt   *time.Time
	RevokedAt   *time.Time
}

// tokenState reads the account userID and the session sid; errNoRows
// when the account does not exist.
func (s *store) tokenState(ctx context.Context, userID, sid string) (tokenRow, error) {
	var rows []tokenRow
	err := s.tx(ctx).Raw(`SELECT u.is_active, u.role, s.user_id AS session_user, s.expires_at, s.revoked_at
		FROM users u LEFT JOIN sessions s ON s.id = ? WHERE u.id = ?`, sid, userID).Scan(&rows).Error
	if err != nil {
		return tokenRow{}, fmt.Errorf("auth: load session: %w", err)
	}
	if len(rows) == 0 {
		return tokenRow{}, errNoRows
	}
	return rows[0], nil
}

// rotation is the outcome of presenting a live refresh token.
type rotation int

const (
	rotated      rotation = iota
	rotationLost          // the token was retired meanwhile: it is being reused
	sessionOver           // the session ended meanwhile
)

// errAbort rolls a transaction back without it being a failure.
var errAbort = errors.New("auth: abort")

// rotate retires old and stores next in one transaction, extending the
// session to next's expiry. Of two concurrent refreshes with the same
// token exactly one wins, and the other counts as reuse. The session row
// is updated first, so a rotation and a sign-out of the same session are
// serialised on it: the sign-out either sees the new token and revokes it,
// or the rotation sees the session over and stores nothing.
func (s *store) rotate(ctx context.Context, oldID string, next *refreshToken) (rotation, error) {
	next.CreatedAt = s.timestamp()
	outcome := rotated
	err := s.tx(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&session{}).Where("id = ? AND revoked_at IS NULL", next.FamilyID).
			Update("expires_at", next.ExpiresAt)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			outcome = sessionOver
			return errAbort
		}
		res = tx.Model(&refreshToken{}).Where("id = ? AND revoked = ?", oldID, false).
			Updates(map[string]any{"revoked": true, "replaced_by": next.ID})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			outcome = rotationLost
			return errAbort
		}
		return tx.Create(next).Error
	})
	if err != nil && !errors.Is(err, errAbort) {
		return rotationLost, fmt.Errorf("auth: rotate refresh token: %w", err)
	}
	return outcome, nil
}

// revokeFamily ends one session: its row and every refresh token in it.
func (s *store) revokeFamily(ctx context.Context, familyID string) error {
	now := s.timestamp()
	err := s.tx(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&session{}).Where("id = ? AND revoked_at IS NULL", familyID).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		return tx.Model(&refreshToken{}).Where("family_id = ? AND revoked = ?", familyID, false).
			Update("revoked", true).Error
	})
	if err != nil {
		return fmt.Errorf("auth: revoke session: %w", err)
	}
	return nil
}

// revokeSessions ends every live session of the user except keep and
// returns the sessions it ended.
func (s *store) revokeSessions(ctx context.Context, userID, keep string) ([]string, error) {
	var ended []string
	err := s.tx(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		ended, err = endSessions(tx, userID, keep, s.timestamp())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: revoke sessions: %w", err)
	}
	return ended, nil
}

// endSessions is revokeSessions inside a transaction. RETURNING (Postgres,
// SQLite 3.35+) names exactly the rows this statement ended, including a
// session started by a login that raced with it.
func endSessions(tx *gorm.DB, userID, keep string, now time.Time) ([]string, error) {
	ended := []string{}
	err := tx.Raw(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ? RETURNING id`,
		now, userID, keep).Scan(&ended).Error
	if err != nil {
		return nil, err
	}
	err = tx.Model(&refreshToken{}).Where("user_id = ? AND revoked = ? AND family_id <> ?", userID, false, keep).
		Update("revoked", true).Error
	return ended, err
}

// pruneSessions drops the user's sessions that ended long enough ago that
// no access token of theirs can still be valid (grace covers the access
// token lifetime). A token naming a session that no longer exists is
// refused like a revoked one.
func (s *store) pruneSessions(ctx context.Context, userID string, now time.Time, grace time.Duration) error {
	err := s.tx(ctx).Where("user_id = ? AND expires_at < ?", userID, now.UTC().Add(-grace)).Delete(&session{}).Error
	if err != nil {
		return fmt.Errorf("auth: prune sessions: %w", err)
	}
	return nil
}
