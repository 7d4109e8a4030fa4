package batch

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
)

// rotateSecret gives the caller a new webhook signing secret of their
// own, replacing any previous one. It is shown in this answer only.
func (m *Module) rotateSecret(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	r := secretRow{UserID: caller.ID, Secret: "whsec_" + base64.RawURLEncoding.EncodeToString(b[:]), CreatedAt: time.Now().UTC()}
	if err := m.store.setSecret(ctx, r); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"secret": r.Secret, "created_at": r.CreatedAt})
}

// deleteSecret returns the caller to the global signing secret.
func (m *Module) deleteSecret(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	removed, err := m.store.deleteSecret(ctx, caller.ID)
	if err != nil {
		return err
	}
	if !removed {
		return apperr.New(apperr.NotFound, "secret_not_found", "you have no webhook secret of your own")
	}
	return c.NoContent(http.StatusNoContent)
}
