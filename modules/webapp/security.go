package webapp

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

// csp allows nothing from another origin. Images may also be blob: (the
// preview of a photo about to be sent) and data:.
const csp = "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// secureHeaders goes on every response of the app.
func secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		h := res.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		// Set as the answer goes out, after any server-wide policy has
		// had its say: the app's pages need blob: previews and nothing
		// inline, whatever the rest of the server allows.
		res.Before(func() {
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Frame-Options", "DENY")
		})
		return next(c)
	}
}

const (
	csrfKey   = "webapp.csrf" // the request's CSRF token, for the templates
	csrfField = "csrf_token"
)

var errCSRF = apperr.New(apperr.Forbidden, "csrf_failed", "the form came without a valid CSRF token; reload the page and try again")

// csrf gives every browser a double-submit token (a cookie the page
// repeats in forms and in the API's CSRF header) and refuses writes
// without it. A checked form token is copied into the header so the
// session middleware that follows accepts the cookie for this write.
func (m *Module) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		tok := ""
		if ck, err := r.Cookie(m.deps.Cookies.CSRF); err == nil && len(ck.Value) >= 32 {
			tok = ck.Value
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			sent := r.Header.Get(m.deps.Cookies.CSRFHeader)
			if sent == "" {
				sent = c.FormValue(csrfField)
			}
			if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(sent)) != 1 {
				return errCSRF
			}
			r.Header.Set(m.deps.Cookies.CSRFHeader, tok)
		}
		if tok == "" {
			tok = m.newCSRF(c)
		}
		c.Set(csrfKey, tok)
		return next(c)
	}
}

// newCSRF sets a fresh CSRF cookie and returns its value.
func (m *Module) newCSRF(c echo.Context) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	tok := base64.RawURLEncoding.EncodeToString(b)
	m.setCookie(c, m.deps.Cookies.CSRF, tok, "/", 0)
	return tok
}

// setCookie sets an HttpOnly, SameSite=Lax cookie, Secure when the
// request came over TLS (or through a proxy that says it did). maxAge 0
// makes it last as long as the session; -1 deletes it.
func (m *Module) setCookie(c echo.Context, name, value, path string, maxAge int) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: c.IsTLS() || c.Scheme() == "https",
	})
}
