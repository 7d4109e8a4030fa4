package auth_test

import (
	"net/http"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/modules/auth"
)

func cookies(access, csrf string) map[string]string {
	h := map[string]string{"Cookie": auth.SessionCookie + "=" + access}
	if csrf != "" {
		h["Cookie"] += "; " + auth.CSRFCookie + "=" + csrf
	}
	return h
}

// The session cookie is the same session as the bearer token; writes
// made with it must repeat the CSRF cookie in a header.
func TestSessionCookie(t *testing.T) {
	ta := apptest.New(t, nil)
	s := ta.NewUser("cookie")
	key := map[string]string{"name": "pier"}
	withHeader := apptest.With(cookies(s.AccessToken, "tok-1"), auth.CSRFHeader, "tok-1")
	runCases(t, ta, []apiCase{
		{name: "read with the cookie", method: "GET", path: "/auth/me", headers: cookies(s.AccessToken, ""), wantStatus: 200},
		{name: "write without a CSRF token", method: "POST", path: "/auth/api-keys", body: key,
			headers: cookies(s.AccessToken, "tok-1"), wantStatus: 403, wantCode: "csrf_failed"},
		{name: "write with a token that does not match", method: "POST", path: "/auth/api-keys", body: key,
			headers: apptest.With(cookies(s.AccessToken, "tok-1"), auth.CSRFHeader, "tok-2"), wantStatus: 403, wantCode: "csrf_failed"},
		{name: "write with a header but no CSRF cookie", method: "POST", path: "/auth/api-keys", body: key,
			headers: apptest.With(cookies(s.AccessToken, ""), auth.CSRFHeader, "tok-1"), wantStatus: 403, wantCode: "csrf_failed"},
		{name: "write with the matching token", method: "POST", path: "/auth/api-keys", body: key,
			headers: withHeader, wantStatus: 201},
		{name: "bearer writes need no CSRF token even beside a cookie", method: "POST", path: "/auth/api-keys", body: key,
			headers: apptest.With(cookies("garbage", ""), "Authorization", "Bearer "+s.AccessToken), wantStatus: 201},
		{name: "a bad cookie is unauthenticated", method: "GET", path: "/auth/me", headers: cookies("garbage", ""), wantStatus: 401},
	})
	// Signing out through the API with the cookie ends the session for
	// the cookie and the bearer token alike.
	ta.Do("POST", ta.API("/auth/logout"), nil, withHeader).Want(http.StatusNoContent)
	ta.Do("GET", ta.API("/auth/me"), nil, cookies(s.AccessToken, "")).Want(http.StatusUnauthorized)
	me(ta, s.AccessToken).Want(http.StatusUnauthorized)
}
