// Package auth is accounts and access: registration, login with JWT
// access tokens and rotating refresh tokens, API keys for cameras and
// scripts, roles, and the rate limits that go with them.
//
// Other modules never see this package's tables: they put RequireUser or
// RequireAdmin (handed out by app/) in front of their routes and read the
// caller with principal.From.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
	"github.com/redis/rueidis"
	"gorm.io/gorm"
)

// Deps is what the module needs from the application.
type Deps struct {
	DB *gorm.DB
	// Redis holds rate limits and caches sessions, accounts and API keys
	// for every replica; the database stays the source of truth. Nil
	// turns limits and caching off (the user command).
	Redis rueidis.Client
	Auth  config.Auth
	// APIRatePerMinute limits API requests per caller; 0 turns it off.
	APIRatePerMinute int
	// PhotoReads picks the requests that fetch a caller's own stored
	// photos (a history page's thumbnails). They are counted in a budget
	// of their own, PhotoReadScale times the API's, so browsing the
	// history does not use up the budget for classifying. Nil: none.
	PhotoReads func(*http.Request) bool
	// Issuer and Audience go into and are required from every access
	// token; they default to DefaultIssuer and DefaultAudience.
	Issuer, Audience string
	Logger           *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Module is the auth feature.
type Module struct {
	svc      *service
	limiter  *limiter
	apiLimit int
	photos   func(*http.Request) bool
	cfg      config.Auth
	log      *slog.Logger
}

// New builds the module. It fails on settings config.Validate lets
// through only by mistake (an unknown algorithm, an empty secret).
func New(deps Deps) (*Module, error) {
	if deps.DB == nil {
		return nil, errors.New("auth: no database")
	}
	log, now := deps.Logger, deps.Now
	if log == nil {
		log = slog.Default()
	}
	if now == nil {
		now = time.Now
	}
	iss, aud := orDefault(deps.Issuer, DefaultIssuer), orDefault(deps.Audience, DefaultAudience)
	tok, err := newTokens(deps.Auth.JWTAlgorithm, deps.Auth.JWTSecretKey, iss, aud, deps.Auth.JWTExpire, now)
	if err != nil {
		return nil, err
	}
	h, err := newHasher(deps.Auth.BcryptCost)
	if err != nil {
		return nil, err
	}
	state := &sharedState{client: deps.Redis, log: log}
	lim := &limiter{state: state, window: time.Minute, now: now}
	svc := &service{
		store: newStore(deps.DB, now), hash: h, tokens: tok, state: state, limiter: lim,
		loginLimit: deps.Auth.LoginRatePerMinute, proxyLimit: deps.Auth.LoginProxyRatePerMinute,
		refreshTTL: deps.Auth.RefreshTokenExpire, keyDefault: max(DefaultKeyRatePerMinute, deps.APIRatePerMinute),
		log: log, now: now,
	}
	return &Module{svc: svc, limiter: lim, apiLimit: deps.APIRatePerMinute, photos: deps.PhotoReads, cfg: deps.Auth, log: log}, nil
}

// Routes mounts the endpoints on the versioned API group, which must run
// Identify (and RateLimit) as group middleware.
func (m *Module) Routes(g *echo.Group) {
	user, admin := m.RequireUser(), m.RequireAdmin()
	h := &handler{svc: m.svc}
	g.POST("/auth/register", h.register)
	g.POST("/auth/login", h.login)
	g.POST("/auth/refresh", h.refresh)
	g.POST("/auth/logout", h.logout, user)
	g.GET("/auth/me", h.me, user)
	g.PATCH("/auth/me", h.updateMe, user)
	g.POST("/auth/api-keys", h.createKey, user)
	g.GET("/auth/api-keys", h.listKeys, user)
	g.DELETE("/auth/api-keys/:id", h.deleteKey, user)
	// The batch module sees only callers; the credential that lets a
	// browser open a batch's event stream is minted here, beside the
	// others (see stream.go).
	g.POST("/batches/:id/stream-token", h.streamToken, user)
	g.GET("/users", h.listUsers, admin)
	g.PATCH("/users/:id", h.updateUser, admin)
}

// CreateUser makes an account directly (the `aquaml user create`
// command), with the admin role when in.Admin is set. A taken email or
// username is an apperr Conflict naming the field.
func (m *Module) CreateUser(ctx context.Context, in NewUser) (UserView, error) {
	u, err := m.svc.register(ctx, in)
	if err != nil {
		return UserView{}, err
	}
	return u.View(), nil
}

// Bootstrap creates the admin named by FIRST_ADMIN_EMAIL and
// FIRST_ADMIN_PASSWORD when no admin exists yet; it does nothing once one
// does, so it is safe on every start and on many replicas at once.
func (m *Module) Bootstrap(ctx context.Context) error {
	email := normalizeEmail(m.cfg.FirstAdminEmail)
	if email == "" {
		return nil
	}
	st := m.svc.store
	if found, err := st.exists(ctx, "role = ?", principal.RoleAdmin); err != nil || found {
		return err
	}
	if taken, err := st.exists(ctx, "lower(email) = ?", email); err != nil || taken {
		if taken {
			// Promoting it would hand admin to whoever registered the
			// address first; an operator must decide.
			m.log.Warn("FIRST_ADMIN_EMAIL belongs to an existing non-admin account; not promoting it", "email", email)
		}
		return err
	}
	base := usernameFrom(email)
	name := base
	for i := 2; ; i++ {
		_, err := m.CreateUser(ctx, NewUser{Email: email, Username: name, Password: m.cfg.FirstAdminPassword, Admin: true})
		if err == nil {
			m.log.Info("created the first admin", "email", email, "username", name)
			return nil
		}
		if !isConflict(err) || i > 20 {
			return fmt.Errorf("auth: create first admin %s: %w", email, err)
		}
		if taken, _ := st.exists(ctx, "lower(email) = ?", email); taken {
			return nil // another replica created it meanwhile
		}
		name = fmt.Sprintf("%s-%d", base[:min(len(base), maxUsername-4)], i)
	}
}

// usernameFrom derives a valid username from an email's local part.
func usernameFrom(email string) string {
	local, _, _ := strings.Cut(email, "@")
	b := []byte(strings.ToLower(local))
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '.' || ch == '-') {
			b[i] = '_'
		}
	}
	name := string(b[:min(len(b), maxUsername)])
	if len(name) < minUsername {
		name = "admin"
	}
	return name
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
