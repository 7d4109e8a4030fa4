package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/golang-jwt/jwt/v5"
)

// forge signs claims for the App's users the way an attacker would try;
// with the App's own key and settings it makes a genuine token, which the
// control row checks.
type forge struct {
	t       *testing.T
	key     []byte
	subject string
	session string // the sid claim: a genuine token names a live session
}

// sessionOf reads the session id out of an access token.
func sessionOf(t *testing.T, token string) string {
	t.Helper()
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, c); err != nil {
		t.Fatal(err)
	}
	sid, _ := c["sid"].(string)
	if sid == "" {
		t.Fatalf("the access token names no session: %v", c)
	}
	return sid
}

func (f forge) claims(edit func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"sub": f.subject, "sid": f.session, "role": "user", "jti": "forged-" + now.Format(time.RFC3339Nano),
		"iss": "aquaml", "aud": "aquaml-api",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func (f forge) sign(method jwt.SigningMethod, key any, edit func(jwt.MapClaims)) string {
	s, err := jwt.NewWithClaims(method, f.claims(edit)).SignedString(key)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// TestTokenAttacksThroughTheRouter presents each forged or spoiled token
// to a protected route of the running App; only the genuine one passes.
func TestTokenAttacksThroughTheRouter(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	admin := ta.Admin()
	f := forge{t: t, key: []byte(ta.Config().Auth.JWTSecretKey), subject: alice.UserID, session: sessionOf(t, alice.AccessToken)}

	genuine := f.sign(jwt.SigningMethodHS256, f.key, nil)
	parts := strings.Split(alice.AccessToken, ".")
	asAdmin := strings.Split(f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) { c["sub"] = admin.UserID; c["role"] = "admin" }), ".")
	none := f.sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil)

	cases := []struct {
		name, token, wantCode string
	}{
		{"control: a genuine token", genuine, ""},
		{"alg none", none, "invalid_token"},
		{"alg none, header swapped onto a real token", strings.Split(none, ".")[0] + "." + parts[1] + "." + parts[2], "invalid_token"},
		{"HS512 with the right key", f.sign(jwt.SigningMethodHS512, f.key, nil), "invalid_token"},
		{"HS384 with the right key", f.sign(jwt.SigningMethodHS384, f.key, nil), "invalid_token"},
		{"wrong key", f.sign(jwt.SigningMethodHS256, []byte("not-the-server-secret-0123456789"), nil), "invalid_token"},
		{"the development secret", f.sign(jwt.SigningMethodHS256, []byte("aquaml-development-secret-change-me"), nil), "invalid_token"},
		{"payload swapped for the admin's", parts[0] + "." + asAdmin[1] + "." + parts[2], "invalid_token"},
		{"signature removed", parts[0] + "." + parts[1] + ".", "invalid_token"},
		{"expired", f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) {
			c["iat"], c["nbf"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		}), "token_expired"},
		{"no expiry", f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) { delete(c, "exp") }), "invalid_token"},
		{"not valid before next hour", f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }), "invalid_token"},
		{"wrong issuer", f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) { c["iss"] = "someone-else" }), "invalid_token"},
		{"wrong audience", f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) { c["aud"] = "billing-api" }), "invalid_token"},
		{"a user that does not exist", f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) { c["sub"] = "ghost" }), "invalid_token"},
		// Signed with the right key, so only the session check stands in the way.
		{"no session", f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) { delete(c, "sid") }), "invalid_token"},
		{"a session that does not exist", f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) { c["sid"] = "no-such-session" }), "token_revoked"},
		{"another user's session", f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) { c["sid"] = sessionOf(t, admin.AccessToken) }), "invalid_token"},
		{"garbage", "not.a.token", "invalid_token"},
		{"a refresh token", alice.RefreshToken, "invalid_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := me(ta, tc.token)
			if tc.wantCode == "" {
				r.Want(200)
				return
			}
			wantCode(t, r, 401, tc.wantCode)
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	// The role claim is not trusted: a genuine token claiming admin for a
	// user grants nothing.
	claimsAdmin := f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) { c["role"] = "admin" })
	wantCode(t, ta.Do("GET", ta.API("/users"), nil, apptest.Bearer(claimsAdmin)), 403, "admin_required")
}

// TestClockLeeway pins the documented leeway: a token is still accepted
// 30 seconds after its exp (clocks of replicas and clients drift), and
// not beyond. The margins on each side are wide enough that a slow run
// cannot cross them.
func TestClockLeeway(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	f := forge{t: t, key: []byte(ta.Config().Auth.JWTSecretKey), subject: alice.UserID, session: sessionOf(t, alice.AccessToken)}
	expiredAgo := func(d time.Duration) string {
		return f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) {
			c["iat"], c["nbf"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-time.Hour).Unix(), time.Now().Add(-d).Unix()
		})
	}
	me(ta, expiredAgo(15*time.Second)).Want(200)
	wantCode(t, me(ta, expiredAgo(45*time.Second)), 401, "token_expired")
	issuedAhead := f.sign(jwt.SigningMethodHS256, f.key, func(c jwt.MapClaims) {
		c["iat"], c["nbf"] = time.Now().Add(15*time.Second).Unix(), time.Now().Add(15*time.Second).Unix()
	})
	me(ta, issuedAhead).Want(200)
}
