package auth

import (
	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
)

// Keys of the per-request values the middlewares leave for each other.
const (
	checkedKey = "auth.checked" // Identify ran
	failedKey  = "auth.error"   // why the presented credential was refused
	claimsKey  = "auth.claims"  // *Claims of an access token
	chargeKey  = "auth.charge"  // *charge: the caller's rate-limit count
)

// Identify authenticates whatever credential the request carries and puts
// the caller in the request context (principal.From). It never refuses a
// request: a missing or bad credential is remembered for RequireUser, so
// public routes behind it (register, login) keep working and the rate
// limiter that follows can key by caller.
func (m *Module) Identify() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			m.identify(c)
			return next(c)
		}
	}
}

func (m *Module) identify(c echo.Context) {
	c.Set(checkedKey, true)
	cred := credentialOf(c.Request())
	// Only a request with no other credential uses the session cookie.
	fromCookie := false
	if cred.empty() {
		if t := sessionCookie(c.Request()); t != "" {
			cred, fromCookie = credential{token: t}, true
		}
	}
	if cred.empty() {
		cred = streamOf(c.Request())
	}
	if cred.empty() {
		return
	}
	req := c.Request()
	p, claims, ch, err := m.svc.authenticate(req.Context(), cred, m.budgetOf(req))
	if err == nil && fromCookie {
		err = checkCSRF(req)
	}
	if err != nil {
		// The request was counted for the caller the credential names;
		// it is not theirs, so RateLimit counts it for the client IP.
		if ch != nil && ch.ok {
			m.limiter.undo(req.Context(), ch.ct)
		}
		c.Set(failedKey, err)
		return
	}
	if claims != nil {
		c.Set(claimsKey, claims)
	}
	if ch != nil {
		c.Set(chargeKey, ch)
	}
	c.SetRequest(req.WithContext(principal.With(req.Context(), p)))
}

// RequireUser lets through only authenticated callers, by access token or
// API key; others get 401 (bad or missing credential) or 403 (deactivated
// account). Handlers read the caller with principal.From.
func (m *Module) RequireUser() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := m.require(c); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// RequireAdmin is RequireUser for callers with the admin role; other
// authenticated callers get 403.
func (m *Module) RequireAdmin() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := m.require(c); err != nil {
				return err
			}
			if p, _ := principal.From(c.Request().Context()); !p.IsAdmin() {
				return errAdminOnly
			}
			return next(c)
		}
	}
}

func (m *Module) require(c echo.Context) error {
	if c.Get(checkedKey) == nil {
		// Mounted outside a group that runs Identify: authenticate here.
		m.identify(c)
	}
	if _, ok := principal.From(c.Request().Context()); ok {
		return nil
	}
	err, _ := c.Get(failedKey).(error)
	if err == nil {
		err = errUnauthenticated
	}
	if apperr.KindOf(err) == apperr.Unauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="api"`)
	}
	return err
}

// caller returns the authenticated caller and, for access tokens, the
// token's claims. Only handlers behind RequireUser call it.
func caller(c echo.Context) (principal.Principal, *Claims) {
	p, _ := principal.From(c.Request().Context())
	claims, _ := c.Get(claimsKey).(*Claims)
	return p, claims
}
