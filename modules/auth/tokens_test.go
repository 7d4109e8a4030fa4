package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testSecret = "unit-test-secret-0123456789abcdef"

// fixedClock is a settable clock for tests.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }

func newTestTokens(t *testing.T, clock *fixedClock) *tokens {
	t.Helper()
	tok, err := newTokens("HS256", testSecret, DefaultIssuer, DefaultAudience, 30*time.Minute, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func sign(t *testing.T, method jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claimsAt builds valid claims issued at now, for tests to spoil one by one.
func claimsAt(now time.Time) Claims {
	return Claims{Role: "user", SessionID: "s1", RegisteredClaims: jwt.RegisteredClaims{
		Subject: "u1", ID: "j1", Issuer: DefaultIssuer, Audience: jwt.ClaimStrings{DefaultAudience},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(30 * time.Minute)),
	}}
}

func TestTokensRoundTrip(t *testing.T) {
	clock := &fixedClock{time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	tok := newTestTokens(t, clock)
	raw, issued, err := tok.issue("user-1", "admin", "session-1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tok.parse(raw)
	if err != nil {
		t.Fatalf("parse own token: %v", err)
	}
	if got.Subject != "user-1" || got.Role != "admin" || got.SessionID != "session-1" || got.ID != issued.ID {
		t.Errorf("claims = %+v", got)
	}
	if got.Issuer != DefaultIssuer || len(got.Audience) != 1 || got.Audience[0] != DefaultAudience {
		t.Errorf("iss/aud = %q %q", got.Issuer, got.Audience)
	}
	if !got.ExpiresAt.Time.Equal(clock.t.Add(30*time.Minute)) || !got.NotBefore.Time.Equal(clock.t) || !got.IssuedAt.Time.Equal(clock.t) {
		t.Errorf("times exp=%v nbf=%v iat=%v", got.ExpiresAt, got.NotBefore, got.IssuedAt)
	}
	if _, again, _ := tok.issue("user-1", "admin", "session-1"); again.ID == issued.ID {
		t.Error("two tokens share a jti")
	}
}

// TestTokenAttacks presents forged and spoiled tokens one by one; only the
// control row may pass.
func TestTokenAttacks(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	key := []byte(testSecret)
	valid := sign(t, jwt.SigningMethodHS256, key, claimsAt(now))
	parts := strings.Split(valid, ".")
	with := func(edit func(*Claims)) Claims { c := claimsAt(now); edit(&c); return c }
	noneToken := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsAt(now))
	admin := sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) { c.Role = "admin" }))

	tests := []struct {
		name  string
		token string
		want  error // nil: accepted
	}{
		{"control: valid token", valid, nil},
		{"alg none", noneToken, errInvalidToken},
		{"alg none with the real signature", strings.Join([]string{strings.Split(noneToken, ".")[0], parts[1], parts[2]}, "."), errInvalidToken},
		{"HS512 with the right key", sign(t, jwt.SigningMethodHS512, key, claimsAt(now)), errInvalidToken},
		{"HS384 with the right key", sign(t, jwt.SigningMethodHS384, key, claimsAt(now)), errInvalidToken},
		{"wrong key", sign(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdef!"), claimsAt(now)), errInvalidToken},
		{"tampered payload (role admin, old signature)", parts[0] + "." + strings.Split(admin, ".")[1] + "." + parts[2], errInvalidToken},
		{"signature stripped", parts[0] + "." + parts[1] + ".", errInvalidToken},
		{"expired", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(-time.Hour))
			c.NotBefore = c.IssuedAt
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute))
		})), errTokenExpired},
		{"expired within the leeway", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) {
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-10 * time.Second))
		})), nil},
		{"expired and from another issuer", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) {
			c.Issuer = "evil"
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute))
		})), errInvalidToken},
		{"no expiry", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) { c.ExpiresAt = nil })), errInvalidToken},
		{"not valid yet", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) {
			c.NotBefore = jwt.NewNumericDate(now.Add(5 * time.Minute))
		})), errInvalidToken},
		{"issued in the future", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(5 * time.Minute))
		})), errInvalidToken},
		{"wrong issuer", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) { c.Issuer = "someone-else" })), errInvalidToken},
		{"no issuer", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) { c.Issuer = "" })), errInvalidToken},
		{"wrong audience", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) { c.Audience = jwt.ClaimStrings{"other-api"} })), errInvalidToken},
		{"no audience", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) { c.Audience = nil })), errInvalidToken},
		{"no subject", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) { c.Subject = "" })), errInvalidToken},
		{"no jti", sign(t, jwt.SigningMethodHS256, key, with(func(c *Claims) { c.ID = "" })), errInvalidToken},
		{"empty", "", errInvalidToken},
		{"not a JWT", "hello", errInvalidToken},
		{"three empty parts", "..", errInvalidToken},
		{"oversized", parts[0] + "." + strings.Repeat("A", maxTokenLen) + "." + parts[2], errInvalidToken},
	}
	tok := newTestTokens(t, &fixedClock{now})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tok.parse(tt.token)
			if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
				t.Errorf("parse = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewTokensRefusesNonHMAC(t *testing.T) {
	for _, alg := range []string{"none", "RS256", "ES256", ""} {
		if _, err := newTokens(alg, testSecret, "i", "a", time.Minute, nil); err == nil {
			t.Errorf("algorithm %q accepted", alg)
		}
	}
	if _, err := newTokens("HS256", "", "i", "a", time.Minute, nil); err == nil {
		t.Error("empty secret accepted")
	}
}
