package auth_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
)

type pair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func refresh(ta *apptest.TestApp, token string) *apptest.Response {
	return ta.Do("POST", ta.API("/auth/refresh"), map[string]string{"refresh_token": token}, nil)
}

func me(ta *apptest.TestApp, credential string) *apptest.Response {
	return ta.Do("GET", ta.API("/auth/me"), nil, apptest.Bearer(credential))
}

func wantCode(t *testing.T, r *apptest.Response, status int, code string) {
	t.Helper()
	r.Want(status)
	if got := r.Error().Code; got != code {
		t.Errorf("code %q, want %q", got, code)
	}
}

func TestRefreshRotates(t *testing.T) {
	ta := apptest.New(t, nil)
	s := ta.NewUser("fish")
	var p1, p2 pair
	refresh(ta, s.RefreshToken).Want(200).JSON(&p1)
	if p1.RefreshToken == s.RefreshToken || p1.AccessToken == s.AccessToken || p1.RefreshToken == "" {
		t.Fatalf("refresh returned the old tokens: %+v", p1)
	}
	me(ta, p1.AccessToken).Want(200)
	refresh(ta, p1.RefreshToken).Want(200).JSON(&p2)
	me(ta, p2.AccessToken).Want(200)

	// Bad presentations of a refresh token.
	cases := []apiCase{
		{name: "missing", body: `{}`, wantStatus: 422, wantFields: []string{"refresh_token"}},
		{name: "unknown", body: map[string]string{"refresh_token": "bm90LWEtdG9rZW4"}, wantStatus: 401, wantCode: "invalid_refresh_token"},
		{name: "an access token", body: map[string]string{"refresh_token": p2.AccessToken}, wantStatus: 401, wantCode: "invalid_refresh_token"},
		{name: "huge", body: map[string]string{"refresh_token": strings.Repeat("r", 5000)}, wantStatus: 401, wantCode: "invalid_refresh_token"},
		{name: "malformed JSON", body: `{`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "a form of another grant", body: url.Values{"grant_type": {"password"}, "refresh_token": {p2.RefreshToken}},
			wantStatus: 400, wantCode: "unsupported_grant_type"},
		{name: "a form without the token", body: url.Values{"grant_type": {"refresh_token"}}, wantStatus: 422, wantFields: []string{"refresh_token"}},
		{name: "plain text", body: p2.RefreshToken, headers: map[string]string{"Content-Type": "text/plain"}, wantStatus: 415},
	}
	for i := range cases {
		cases[i].method, cases[i].path = "POST", "/auth/refresh"
	}
	runCases(t, ta, cases)
	refresh(ta, p2.RefreshToken).Want(200) // none of the above spent it
}

func TestRefreshTokenExpires(t *testing.T) {
	ta := apptest.New(t, nil)
	s := ta.NewUser("fish")
	past := time.Now().UTC().Add(-time.Minute)
	if err := ta.DB.Exec("UPDATE refresh_tokens SET expires_at = ?", past).Error; err != nil {
		t.Fatal(err)
	}
	wantCode(t, refresh(ta, s.RefreshToken), 401, "invalid_refresh_token")
}

// TestRefreshReuseEndsTheSession: a used refresh token presented again was
// copied. The whole session ends, for the thief and the owner; the user's
// other sessions are untouched.
func TestRefreshReuseEndsTheSession(t *testing.T) {
	ta := apptest.New(t, nil)
	victim := ta.NewUser("fish")
	laptop := ta.Login("fish", apptest.Password)

	var owner pair
	refresh(ta, victim.RefreshToken).Want(200).JSON(&owner) // the owner rotates
	stolen := victim.RefreshToken
	wantCode(t, refresh(ta, stolen), 401, "refresh_token_reused")

	wantCode(t, refresh(ta, owner.RefreshToken), 401, "invalid_refresh_token")
	wantCode(t, me(ta, owner.AccessToken), 401, "token_revoked")
	wantCode(t, me(ta, victim.AccessToken), 401, "token_revoked")

	me(ta, laptop.AccessToken).Want(200)
	refresh(ta, laptop.RefreshToken).Want(200)
	if !strings.Contains(ta.Logs(), "refresh token reused") {
		t.Error("reuse was not logged")
	}
}

func TestLogout(t *testing.T) {
	ta := apptest.New(t, nil)
	phone := ta.NewUser("fish")
	laptop := ta.Login("fish", apptest.Password)
	bob := ta.NewUser("bob")

	ta.Do("POST", ta.API("/auth/logout"), map[string]string{"refresh_token": phone.RefreshToken}, phone.Auth()).Want(204)
	wantCode(t, me(ta, phone.AccessToken), 401, "token_revoked")
	wantCode(t, refresh(ta, phone.RefreshToken), 401, "invalid_refresh_token")
	me(ta, laptop.AccessToken).Want(200) // another session of the same user

	// Without a body the session still ends: the access token names it.
	var next pair
	refresh(ta, laptop.RefreshToken).Want(200).JSON(&next)
	ta.Do("POST", ta.API("/auth/logout"), nil, apptest.Bearer(next.AccessToken)).Want(204)
	wantCode(t, refresh(ta, next.RefreshToken), 401, "invalid_refresh_token")
	wantCode(t, me(ta, next.AccessToken), 401, "token_revoked")

	// Somebody else's refresh token in the body is ignored.
	alice := ta.NewUser("alice")
	ta.Do("POST", ta.API("/auth/logout"), map[string]string{"refresh_token": alice.RefreshToken}, bob.Auth()).Want(204)
	refresh(ta, alice.RefreshToken).Want(200)

	cases := []apiCase{
		{name: "no credentials", wantStatus: 401, wantCode: "not_authenticated"},
		{name: "a revoked token", headers: phone.Auth(), wantStatus: 401, wantCode: "token_revoked"},
		{name: "malformed body", body: `{`, headers: alice.Auth(), wantStatus: 400, wantCode: "invalid_json"},
	}
	for i := range cases {
		cases[i].method, cases[i].path = "POST", "/auth/logout"
	}
	runCases(t, ta, cases)
}

func TestMe(t *testing.T) {
	ta := apptest.New(t, nil)
	s := ta.NewUser("fish")
	cases := []apiCase{
		{name: "read", method: "GET", headers: s.Auth(), wantStatus: 200, check: func(t *testing.T, r *apptest.Response) {
			if m := r.Map(); m["username"] != "fish" || m["email"] != "fish@example.com" || m["role"] != "user" {
				t.Errorf("me %s", r.Body)
			}
		}},
		{name: "no credentials", method: "GET", wantStatus: 401, wantCode: "not_authenticated", check: func(t *testing.T, r *apptest.Response) {
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
			}
		}},
		{name: "basic auth", method: "GET", headers: map[string]string{"Authorization": "Basic ZmlzaDpwdw=="}, wantStatus: 401, wantCode: "invalid_token"},
		{name: "bearer without a token", method: "GET", headers: map[string]string{"Authorization": "Bearer"}, wantStatus: 401, wantCode: "invalid_token"},
		{name: "scheme in lower case", method: "GET", headers: map[string]string{"Authorization": "bearer " + s.AccessToken}, wantStatus: 200},
		{name: "change the full name", method: "PATCH", body: map[string]string{"full_name": "  Fish Farmer "}, headers: s.Auth(), wantStatus: 200,
			check: func(t *testing.T, r *apptest.Response) {
				if m := r.Map(); m["full_name"] != "Fish Farmer" || m["updated_at"] == m["created_at"] {
					t.Errorf("after the change %s", r.Body)
				}
			}},
		{name: "full name too long", method: "PATCH", body: map[string]string{"full_name": strings.Repeat("n", 201)}, headers: s.Auth(),
			wantStatus: 422, wantFields: []string{"full_name"}},
		{name: "nothing to change", method: "PATCH", body: `{}`, headers: s.Auth(), wantStatus: 200},
		{name: "full name not a string", method: "PATCH", body: `{"full_name": 7}`, headers: s.Auth(), wantStatus: 422, wantFields: []string{"full_name"}},
	}
	for i := range cases {
		cases[i].path = "/auth/me"
	}
	runCases(t, ta, cases)
}

// TestPasswordChange: the current password is required, and every other
// session ends while the one making the change stays.
func TestPasswordChange(t *testing.T) {
	ta := apptest.New(t, nil)
	s := ta.NewUser("fish")
	other := ta.Login("fish", apptest.Password)
	var key struct{ Key string }
	ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "cam"}, s.Auth()).Want(201).JSON(&key)
	const newPW = "brand-new-password"

	cases := []apiCase{
		{name: "without the current password", body: map[string]string{"password": newPW}, headers: s.Auth(),
			wantStatus: 422, wantFields: []string{"current_password"}},
		{name: "wrong current password", body: map[string]string{"password": newPW, "current_password": "guess-guess"}, headers: s.Auth(),
			wantStatus: 422, wantFields: []string{"current_password"}},
		{name: "new password too short", body: map[string]string{"password": "short", "current_password": apptest.Password}, headers: s.Auth(),
			wantStatus: 422, wantFields: []string{"password"}},
		{name: "new password over 72 bytes", body: map[string]string{"password": strings.Repeat("p", 73), "current_password": apptest.Password},
			headers: s.Auth(), wantStatus: 422, wantFields: []string{"password"}},
		{name: "with an API key", body: map[string]string{"password": newPW, "current_password": apptest.Password},
			headers: apptest.Bearer(key.Key), wantStatus: 403, wantCode: "token_required"},
		{name: "changed", body: map[string]string{"password": newPW, "current_password": apptest.Password}, headers: s.Auth(), wantStatus: 200},
	}
	for i := range cases {
		cases[i].method, cases[i].path = "PATCH", "/auth/me"
	}
	runCases(t, ta, cases)

	login := func(pw string) int {
		return ta.Do("POST", ta.API("/auth/login"), url.Values{"username": {"fish"}, "password": {pw}}, nil).Status
	}
	if login(apptest.Password) != 401 || login(newPW) != 200 {
		t.Error("the old password still works or the new one does not")
	}
	me(ta, s.AccessToken).Want(200)
	refresh(ta, s.RefreshToken).Want(200)
	wantCode(t, me(ta, other.AccessToken), 401, "token_revoked")
	wantCode(t, refresh(ta, other.RefreshToken), 401, "invalid_refresh_token")
	me(ta, key.Key).Want(200) // API keys are not sessions; revoke them one by one
}
