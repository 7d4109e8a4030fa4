package auth

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/golang-jwt/jwt/v5"
)

// The parsers that face the internet, fuzzed: go test -fuzz=FuzzX
// ./modules/auth. Seeds are below and in testdata/fuzz; every run of the
// ordinary tests replays them.

func FuzzParseToken(f *testing.F) {
	clock := &fixedClock{time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	tok, err := newTokens("HS256", testSecret, DefaultIssuer, DefaultAudience, 30*time.Minute, clock.now)
	if err != nil {
		f.Fatal(err)
	}
	// Deterministic seeds: fuzz workers rebuild them in other processes.
	issued := claimsAt(clock.t)
	valid, err := jwt.NewWithClaims(jwt.SigningMethodHS256, issued).SignedString([]byte(testSecret))
	if err != nil {
		f.Fatal(err)
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, issued).SignedString(jwt.UnsafeAllowNoneSignatureType)
	for _, seed := range []string{valid, none, "", ".", "..", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.", valid + "x",
		strings.Replace(valid, ".", "..", 1), strings.Repeat("eyJ", 2000)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := tok.parse(raw)
		if err != nil {
			if !errors.Is(err, errInvalidToken) && !errors.Is(err, errTokenExpired) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		// Only the server's key signs, so whatever is accepted is the
		// token it issued (base64 may be spelled differently, the claims
		// may not).
		if c.Subject != issued.Subject || c.ID != issued.ID || c.Role != issued.Role || c.SessionID != issued.SessionID {
			t.Fatalf("accepted forged claims %+v from %q", c, raw)
		}
	})
}

func FuzzParseRegister(f *testing.F) {
	for _, seed := range []string{
		`{"email":"fish@example.com","username":"fish","password":"swimming-1","full_name":"Fish"}`,
		`{"email":"FISH@EXAMPLE.COM","username":"fish","password":"` + strings.Repeat("🐟", 18) + `"}`,
		`{}`, `[]`, `null`, `"x"`, `{"email":1}`, `{"password":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}`,
		`{"email":"a@b.co"} trailing`, `{"full_name":"\ud800"}`, `{"role":"admin","is_active":false}`,
	} {
		f.Add("application/json", []byte(seed))
	}
	f.Add("application/json; charset=utf-8", []byte(`{"email":"a@b.co"}`))
	f.Add("text/plain", []byte(`{}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		in, err := parseRegister(contentType, body)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if err := validateNewUser(&in); err != nil {
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || len(e.Fields) == 0 {
				t.Fatalf("validation error %v", err)
			}
			return
		}
		// Whatever passes validation is what the database may hold.
		if in.Email != strings.ToLower(in.Email) || len(in.Email) > maxEmail || !strings.Contains(in.Email, "@") {
			t.Fatalf("accepted email %q", in.Email)
		}
		if checkUsername(in.Username) != "" || len(in.Password) > maxPassword || utf8.RuneCountInString(in.Password) < minPassword ||
			!utf8.ValidString(in.FullName) {
			t.Fatalf("accepted %+v", in)
		}
	})
}

func FuzzParseLogin(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte("username=fish&password=swimming-1"))
	f.Add("application/x-www-form-urlencoded", []byte("grant_type=password&username=a%40b.co&password=p&scope="))
	f.Add("application/x-www-form-urlencoded", []byte("username=%zz&password=;;"))
	f.Add("application/json", []byte(`{"username":" fish ","password":"p"}`))
	f.Add("application/json", []byte(`{"email":"a@b.co","password":"p"}`))
	f.Add("multipart/form-data; boundary=x", []byte("--x--"))
	f.Add("", []byte(""))
	f.Add("application/x-www-form-urlencoded", []byte("grant_type=refresh_token&refresh_token=abc"))
	f.Add("application/json", []byte(`{"grant_type":"refresh_token","refresh_token":"abc"}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req, err := parseTokenRequest(contentType, body)
		name := req.name
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if name != strings.TrimSpace(name) {
			t.Fatalf("login name %q not trimmed", name)
		}
		if (req.grant == grantRefresh) == (req.refresh == "") {
			t.Fatalf("grant %q with refresh token %q", req.grant, req.refresh)
		}
	})
}

func FuzzCredential(f *testing.F) {
	key, _, _, _ := newAPIKey()
	f.Add("Bearer "+key, "")
	f.Add("", key)
	f.Add("bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "")
	f.Add("Basic Zm9vOmJhcg==", "")
	f.Add("Bearer", "aqk_")
	f.Add("Bearer  \t aqk_000000000000_"+strings.Repeat("a", 52), "")
	f.Fuzz(func(t *testing.T, authorization, xAPIKey string) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header["Authorization"] = []string{authorization}
		r.Header["X-Api-Key"] = []string{xAPIKey}
		c := credentialOf(r)
		if c.apiKey != "" {
			if prefix, ok := splitAPIKey(c.apiKey); ok && (len(prefix) != keyPrefixLen || !strings.HasPrefix(c.apiKey, prefix+"_")) {
				t.Fatalf("prefix %q of %q", prefix, c.apiKey)
			}
		}
		if c.token != "" && (c.apiKey != "" || c.bad) {
			t.Fatalf("two credentials at once: %+v", c)
		}
	})
}
