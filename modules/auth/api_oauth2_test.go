package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"golang.org/x/oauth2"
)

// oauth2Config is how a script built on golang.org/x/oauth2 would be set
// up against the service: only the token URL matters to the password and
// refresh grants.
func oauth2Config(ta *apptest.TestApp, tokenPath string) *oauth2.Config {
	return &oauth2.Config{ClientID: "fish-counter", Endpoint: oauth2.Endpoint{TokenURL: ta.URL + ta.API(tokenPath)}}
}

func oauth2Context(ta *apptest.TestApp) context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, ta.Client)
}

// expired is tok as a TokenSource holds it once its access token is
// stale, so the next Token() call must refresh.
func expired(tok *oauth2.Token) *oauth2.Token {
	return &oauth2.Token{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken,
		Expiry: time.Now().Add(-time.Hour)}
}

// retrieveCode is the error code of a token endpoint refusal.
func retrieveCode(t *testing.T, err error) (int, string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("want a refusal from the token endpoint, got %v", err)
	}
	var body struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(re.Body, &body)
	return re.Response.StatusCode, body.Error.Code
}

func TestOAuth2ClientPasswordThenRefresh(t *testing.T) {
	for _, tokenPath := range []string{"/auth/login", "/auth/refresh"} {
		t.Run(tokenPath, func(t *testing.T) {
			ta := apptest.New(t, nil)
			ta.NewUser("fish")
			ctx := oauth2Context(ta)
			login := oauth2Config(ta, "/auth/login")
			first, err := login.PasswordCredentialsToken(ctx, "fish", apptest.Password)
			if err != nil {
				t.Fatalf("password grant: %v", err)
			}
			if first.RefreshToken == "" || first.Expiry.IsZero() {
				t.Fatalf("the password grant gave no refresh token or no expiry: %+v", first)
			}

			conf := oauth2Config(ta, tokenPath)
			second, err := conf.TokenSource(ctx, expired(first)).Token()
			if err != nil {
				t.Fatalf("refresh grant at %s: %v", tokenPath, err)
			}
			if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken || second.RefreshToken == "" {
				t.Fatalf("the refresh did not rotate the tokens")
			}
			me(ta, second.AccessToken).Want(200)

			// The client library keeps refreshing with what it was last given.
			third, err := conf.TokenSource(ctx, expired(second)).Token()
			if err != nil {
				t.Fatalf("second refresh: %v", err)
			}
			me(ta, third.AccessToken).Want(200)

			// A copy of the first refresh token, presented again, is
			// refused and ends the session for everyone holding it.
			_, err = conf.TokenSource(ctx, expired(first)).Token()
			if status, code := retrieveCode(t, err); status != 401 || code != "refresh_token_reused" {
				t.Fatalf("reused refresh token: %d %q, want 401 refresh_token_reused", status, code)
			}
			wantCode(t, me(ta, third.AccessToken), 401, "token_revoked")
			_, err = conf.TokenSource(ctx, expired(third)).Token()
			if status, code := retrieveCode(t, err); status != 401 || code != "invalid_refresh_token" {
				t.Fatalf("refresh after reuse: %d %q, want 401 invalid_refresh_token", status, code)
			}
		})
	}
}

func TestTokenEndpointRefreshGrant(t *testing.T) {
	ta := apptest.New(t, nil)
	s := ta.NewUser("fish")
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	var p pair
	ta.Do("POST", ta.API("/auth/login"), form("grant_type", "refresh_token", "refresh_token", s.RefreshToken), nil).
		Want(200).JSON(&p)
	if p.RefreshToken == "" || p.RefreshToken == s.RefreshToken {
		t.Fatalf("no new refresh token: %+v", p)
	}
	runCases(t, ta, []apiCase{
		{name: "no refresh token", method: "POST", path: "/auth/login", body: form("grant_type", "refresh_token"),
			wantStatus: 422, wantFields: []string{"refresh_token"}},
		{name: "unknown refresh token", method: "POST", path: "/auth/login",
			body: form("grant_type", "refresh_token", "refresh_token", "bm90LWEtdG9rZW4"), wantStatus: 401, wantCode: "invalid_refresh_token"},
		{name: "an access token as refresh token", method: "POST", path: "/auth/login",
			body: form("grant_type", "refresh_token", "refresh_token", p.AccessToken), wantStatus: 401, wantCode: "invalid_refresh_token"},
		{name: "JSON refresh grant", method: "POST", path: "/auth/login",
			body: map[string]string{"grant_type": "refresh_token", "refresh_token": p.RefreshToken}, wantStatus: 200},
		{name: "the spent one again", method: "POST", path: "/auth/login",
			body: form("grant_type", "refresh_token", "refresh_token", s.RefreshToken), wantStatus: 401, wantCode: "refresh_token_reused"},
	})
}
