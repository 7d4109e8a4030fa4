package auth

import (
	"crypto/subtle"
	"net/http"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

// Names of the browser session. The session cookie holds an access token
// of the same sessions the API issues, so signing out, deactivation and
// revocation work on browsers exactly as on bearer tokens.
const (
	// SessionCookie holds the access token of a browser session.
	SessionCookie = "aquaml_session"
	// RefreshCookie holds the refresh token of a browser session.
	RefreshCookie = "aquaml_refresh"
	// CSRFCookie holds the double-submit token a cookie-authenticated
	// write must repeat in CSRFHeader (API calls) or the csrf_token form
	// field (the web app's own forms).
	CSRFCookie = "aquaml_csrf"
	// CSRFHeader carries the CSRF token on API calls made with the cookie.
	CSRFHeader = "X-CSRF-Token"
)

var errCSRF = apperr.New(apperr.Forbidden, "csrf_failed",
	"this write came with the session cookie but without a matching CSRF token")

// sessionCookie is the access token of the session cookie, if any. A
// request with an Authorization or X-API-Key header never uses it.
func sessionCookie(r *http.Request) string {
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return ck.Value
}

// safeMethod reports whether a method cannot change anything, so a
// cross-site request with it cannot do harm worth a CSRF token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// CSRFMatches reports whether presented equals the request's CSRF cookie,
// in constant time; an empty token never matches.
func CSRFMatches(r *http.Request, presented string) bool {
	ck, err := r.Cookie(CSRFCookie)
	if err != nil || ck.Value == "" || presented == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(ck.Value), []byte(presented)) == 1
}

// checkCSRF refuses a cookie-authenticated write whose header does not
// repeat the CSRF cookie: a cross-site page can make the browser send the
// cookie but can neither read it nor set the header.
func checkCSRF(r *http.Request) error {
	if safeMethod(r.Method) || CSRFMatches(r, r.Header.Get(CSRFHeader)) {
		return nil
	}
	return errCSRF
}

// SignIn checks a username (or email) and password, with the same
// limits as the login endpoint, and starts a session.
func (m *Module) SignIn(c echo.Context, name, password string) (TokenPair, error) {
	return m.svc.login(c.Request().Context(), originOf(c), name, password)
}

// Register creates an account with the user role.
func (m *Module) Register(c echo.Context, email, username, password string) error {
	_, err := m.svc.register(c.Request().Context(), NewUser{Email: email, Username: username, Password: password})
	return err
}

// Refresh trades a refresh token for a new pair, as the refresh endpoint.
func (m *Module) Refresh(c echo.Context, refresh string) (TokenPair, error) {
	return m.svc.refresh(c.Request().Context(), refresh)
}

// SignOut ends the session of the request's cookie (Identify must have
// run) and the session of refresh. Without a signed-in caller it does
// nothing: the cookies are cleared either way.
func (m *Module) SignOut(c echo.Context, refresh string) error {
	p, claims := caller(c)
	if p.ID == "" {
		return nil
	}
	return m.svc.logout(c.Request().Context(), p, claims, refresh)
}
