package batch

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Every user's webhooks are signed with a secret of their own, made the
// first time it is needed (a batch with a callback_url is submitted, or
// delivered for a user who has none) and shown only to its owner. No key
// shared between users signs anything: a receiver that trusts its owner's
// secret cannot be fed deliveries forged by another user.

var errNoSecret = apperr.New(apperr.NotFound, "secret_not_found",
	"you have no webhook secret yet: one is made when you first submit a batch with a callback_url, or POST to make one now")

// newSecret makes a random signing secret for userID.
func newSecret(userID string) (secretRow, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return secretRow{}, err
	}
	return secretRow{UserID: userID, Secret: "whsec_" + base64.RawURLEncoding.EncodeToString(b[:]), CreatedAt: time.Now().UTC()}, nil
}

// ownerSecret returns the user's signing secret, making it on first use.
func (m *Module) ownerSecret(ctx context.Context, userID string) (string, error) {
	r, found, err := m.store.secretRow(ctx, userID)
	if err != nil || found {
		return r.Secret, err
	}
	if r, err = newSecret(userID); err != nil {
		return "", err
	}
	return m.store.ensureSecret(ctx, r)
}

type secretView struct {
	Secret    string    `json:"secret"`
	CreatedAt time.Time `json:"created_at"`
}

func showSecret(c echo.Context, status int, r secretRow) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(status, secretView{Secret: r.Secret, CreatedAt: r.CreatedAt})
}

// getSecret shows the caller their signing secret. It can be read again
// (unlike an API key) because it is made without being asked for, at the
// first submission with a callback_url, and a receiver needs it.
func (m *Module) getSecret(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	r, found, err := m.store.secretRow(ctx, caller.ID)
	if err != nil {
		return err
	}
	if !found {
		return errNoSecret
	}
	return showSecret(c, http.StatusOK, r)
}

// rotateSecret gives the caller a new signing secret, replacing any
// previous one from the next delivery on.
func (m *Module) rotateSecret(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	r, err := newSecret(caller.ID)
	if err != nil {
		return err
	}
	if err := m.store.setSecret(ctx, r); err != nil {
		return err
	}
	return showSecret(c, http.StatusCreated, r)
}

// deleteSecret forgets the caller's secret; the next delivery or
// submission with a callback_url makes a new one.
func (m *Module) deleteSecret(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	removed, err := m.store.deleteSecret(ctx, caller.ID)
	if err != nil {
		return err
	}
	if !removed {
		return errNoSecret
	}
	return c.NoContent(http.StatusNoContent)
}

// secretRow returns the user's webhook secret with its creation time.
func (s *store) secretRow(ctx context.Context, userID string) (secretRow, bool, error) {
	var r secretRow
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, false, nil
	}
	return r, err == nil, err
}

// ensureSecret returns the user's webhook secret, storing r as it when the
// user has none. Of two first uses at once, one insert wins and both
// return its secret.
func (s *store) ensureSecret(ctx context.Context, r secretRow) (string, error) {
	db := s.db.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error; err != nil {
		return "", err
	}
	got, _, err := s.secretRow(ctx, r.UserID)
	return got.Secret, err
}

// setSecret stores (or replaces) the user's webhook secret, in one
// statement so that two rotations at once cannot collide.
func (s *store) setSecret(ctx context.Context, r secretRow) error {
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"secret", "created_at"}),
	}).Create(&r).Error
}

// deleteSecret removes the user's webhook secret.
func (s *store) deleteSecret(ctx context.Context, userID string) (bool, error) {
	res := s.db.WithContext(ctx).Where("user_id = ?", userID).Delete(&secretRow{})
	return res.RowsAffected > 0, res.Error
}
