package webapp

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
)

var titles = map[string]string{
	"classify": "Classify a photo", "history": "History", "batches": "Batches",
	"datasets": "Datasets", "dataset": "Dataset", "training": "Training jobs", "job": "Training job",
	"operations": "Operations", "models": "Models",
}

func signedIn(c echo.Context) (principal.Principal, bool) {
	return principal.From(c.Request().Context())
}

func (m *Module) home(c echo.Context) error {
	if _, ok := signedIn(c); ok {
		return c.Redirect(http.StatusFound, Prefix+"/classify")
	}
	return c.Redirect(http.StatusFound, Prefix+"/signin")
}

// page serves a page for signed-in callers (admins only when admin is
// set). An expired access token is renewed with the refresh cookie; a
// caller with neither is sent to sign in and brought back afterwards.
func (m *Module) page(name string, admin bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, ok := signedIn(c)
		if !ok {
			if m.renew(c) {
				return c.Redirect(http.StatusFound, c.Request().URL.RequestURI())
			}
			return c.Redirect(http.StatusFound, Prefix+"/signin?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		if admin && !p.IsAdmin() {
			v := m.view(c, "forbidden", "Admins only")
			return m.render(c, http.StatusForbidden, v)
		}
		v := m.view(c, name, titles[name])
		// The page's script reads the dataset or job itself through the
		// API, which decides who may see it.
		v.ID = c.Param("id")
		return m.render(c, http.StatusOK, v)
	}
}

// renew trades the refresh cookie for a fresh session, if it can.
func (m *Module) renew(c echo.Context) bool {
	ck, err := c.Cookie(m.deps.Cookies.Refresh)
	if err != nil || ck.Value == "" {
		return false
	}
	t, err := m.deps.Accounts.Refresh(c, ck.Value)
	if err != nil {
		m.clearSession(c)
		return false
	}
	m.setSession(c, t)
	return true
}

func (m *Module) setSession(c echo.Context, t Tokens) {
	age := int(m.deps.SessionTTL.Seconds())
	m.setCookie(c, m.deps.Cookies.Session, t.Access, "/", age)
	m.setCookie(c, m.deps.Cookies.Refresh, t.Refresh, Prefix+"/", age)
}

func (m *Module) clearSession(c echo.Context) {
	m.setCookie(c, m.deps.Cookies.Session, "", "/", -1)
	m.setCookie(c, m.deps.Cookies.Refresh, "", Prefix+"/", -1)
}

// next is where to go after signing in: only a path of this app, so the
// form cannot be made to send anyone elsewhere.
func next(raw string) string {
	if strings.HasPrefix(raw, Prefix+"/") && !strings.Contains(raw, "//") && !strings.Contains(raw, "..") && !strings.Contains(raw, "\\") {
		return raw
	}
	return Prefix + "/classify"
}

func (m *Module) signinForm(c echo.Context) error {
	v := m.view(c, "signin", "Sign in")
	v.Next = next(c.QueryParam("next"))
	if c.QueryParam("registered") != "" {
		v.Form["notice"] = "Your account is ready: sign in."
	}
	return m.render(c, http.StatusOK, v)
}

func (m *Module) signin(c echo.Context) error {
	name, password := strings.TrimSpace(c.FormValue("username")), c.FormValue("password")
	t, err := m.deps.Accounts.SignIn(c, name, password)
	if err != nil {
		v := m.view(c, "signin", "Sign in")
		v.Next, v.Form["username"] = next(c.FormValue("next")), name
		return m.formError(c, v, err)
	}
	m.setSession(c, t)
	m.newCSRF(c) // a token seen before signing in is not reused after
	return c.Redirect(http.StatusSeeOther, next(c.FormValue("next")))
}

func (m *Module) registerForm(c echo.Context) error {
	return m.render(c, http.StatusOK, m.view(c, "register", "Create an account"))
}

func (m *Module) register(c echo.Context) error {
	email, name := strings.TrimSpace(c.FormValue("email")), strings.TrimSpace(c.FormValue("username"))
	if err := m.deps.Accounts.Register(c, email, name, c.FormValue("password")); err != nil {
		v := m.view(c, "register", "Create an account")
		v.Form["email"], v.Form["username"] = email, name
		return m.formError(c, v, err)
	}
	return c.Redirect(http.StatusSeeOther, Prefix+"/signin?registered=1")
}

func (m *Module) signout(c echo.Context) error {
	refresh := ""
	if ck, err := c.Cookie(m.deps.Cookies.Refresh); err == nil {
		refresh = ck.Value
	}
	if err := m.deps.Accounts.SignOut(c, refresh); err != nil {
		return err
	}
	m.clearSession(c)
	m.newCSRF(c)
	return c.Redirect(http.StatusSeeOther, Prefix+"/signin")
}

// formError shows a refused form again with the reason; faults go to
// the central error handler.
func (m *Module) formError(c echo.Context, v view, err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Internal {
		return err
	}
	v.Error, v.Fields = e.Message, e.Fields
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	status := http.StatusUnprocessableEntity
	switch e.Kind {
	case apperr.Unauthorized:
		status = http.StatusUnauthorized
	case apperr.Forbidden:
		status = http.StatusForbidden
	case apperr.Conflict:
		status = http.StatusConflict
	case apperr.RateLimited:
		status = http.StatusTooManyRequests
	case apperr.Unavailable:
		status = http.StatusServiceUnavailable
	}
	return m.render(c, status, v)
}
