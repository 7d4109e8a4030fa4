// Package webapp is the browser front end served under /app/: pages
// rendered with html/template and a little JavaScript that calls the
// JSON API with the session cookie. Every asset is embedded, so the app
// works on a closed network.
//
// It knows nothing of accounts' tables: app/ hands it an Accounts to sign
// people in and out and the middleware that identifies the caller.
package webapp

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is where the app is mounted.
const Prefix = "/app"

// Tokens is a signed-in session: an access token of the API's own
// sessions and the refresh token that renews it.
type Tokens struct {
	Access, Refresh string
}

// Accounts signs people in, up and out. Errors are apperr errors; their
// messages are shown on the form.
type Accounts interface {
	SignIn(c echo.Context, name, password string) (Tokens, error)
	Register(c echo.Context, email, username, password string) error
	Refresh(c echo.Context, refresh string) (Tokens, error)
	// SignOut ends the session the request's cookie carries (Identify has
	// run) and the session of refresh.
	SignOut(c echo.Context, refresh string) error
}

// Cookies names the browser session's cookies and the CSRF header; the
// API's authentication reads the same names.
type Cookies struct {
	Session, Refresh, CSRF, CSRFHeader string
}

// Deps is what the module needs from the application.
type Deps struct {
	Accounts Accounts
	// Identify puts the caller of the session cookie in the request
	// context (principal.From), refusing cookie writes without the CSRF
	// header, which the app's form handling supplies.
	Identify  echo.MiddlewareFunc
	Cookies   Cookies
	APIPrefix string
	// SessionTTL is how long the browser keeps the session cookies: the
	// refresh token's lifetime.
	SessionTTL time.Duration
	Name       string // shown in titles
	Logger     *slog.Logger
}

// Module is the web app.
type Module struct {
	deps  Deps
	pages *pages
}

// New builds the module; it fails only if an embedded template is broken.
func New(deps Deps) (*Module, error) {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Name == "" {
		deps.Name = "AquaML"
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Module{deps: deps, pages: p}, nil
}

// Routes mounts the app at Prefix.
func (m *Module) Routes(e *echo.Echo) {
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix(Prefix+"/static/", http.FileServer(http.FS(static)))
	e.GET(Prefix, func(c echo.Context) error { return c.Redirect(http.StatusFound, Prefix+"/") }, secureHeaders)
	e.GET(Prefix+"/static/:asset", func(c echo.Context) error {
		if c.Param("asset") == "" {
			return echo.ErrNotFound // no listing of the folder
		}
		immutable(files).ServeHTTP(c.Response(), c.Request())
		return nil
	}, secureHeaders)

	// Per route, not a group's middleware: a group would answer every
	// unknown path under /app itself.
	mw := []echo.MiddlewareFunc{secureHeaders, m.csrf, m.deps.Identify}
	e.GET(Prefix+"/", m.home, mw...)
	e.GET(Prefix+"/signin", m.signinForm, mw...)
	e.POST(Prefix+"/signin", m.signin, mw...)
	e.GET(Prefix+"/register", m.registerForm, mw...)
	e.POST(Prefix+"/register", m.register, mw...)
	e.POST(Prefix+"/signout", m.signout, mw...)
	for _, pg := range []struct {
		path, tmpl string
		admin      bool
	}{
		{"/classify", "classify", false}, {"/history", "history", false}, {"/batches", "batches", false},
		{"/datasets", "datasets", false}, {"/datasets/:id", "dataset", false},
		{"/training", "training", false}, {"/training/:id", "job", false},
		{"/operations", "operations", true}, {"/models", "models", true},
	} {
		e.GET(Prefix+pg.path, m.page(pg.tmpl, pg.admin), mw...)
	}
}

// immutable lets browsers keep the embedded assets for a while: they
// change only with the binary.
func immutable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		h.ServeHTTP(w, r)
	})
}
