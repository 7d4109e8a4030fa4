package auth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

func TestRegister(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("taken") // taken@example.com
	const pw = "swimming-1"
	cases := []apiCase{
		{name: "valid", body: map[string]string{"email": "nemo@example.com", "username": "nemo", "password": pw, "full_name": "Nemo Clownfish"},
			wantStatus: 201, check: func(t *testing.T, r *apptest.Response) {
				m := r.Map()
				if m["id"] == "" || m["email"] != "nemo@example.com" || m["username"] != "nemo" || m["full_name"] != "Nemo Clownfish" ||
					m["role"] != "user" || m["is_active"] != true || m["created_at"] == nil {
					t.Errorf("body %s", r.Body)
				}
				if strings.Contains(strings.ToLower(string(r.Body)), "password") || strings.Contains(string(r.Body), "$2a$") {
					t.Errorf("the answer mentions the password: %s", r.Body)
				}
			}},
		{name: "email stored lower-case", body: register("Dory@Example.COM", "dory", pw), wantStatus: 201,
			check: func(t *testing.T, r *apptest.Response) {
				if e := r.Map()["email"]; e != "dory@example.com" {
					t.Errorf("email %v", e)
				}
			}},
		{name: "a chosen role and state are ignored", wantStatus: 201,
			body: map[string]any{"email": "marlin@example.com", "username": "marlin", "password": pw, "role": "admin", "is_active": false},
			check: func(t *testing.T, r *apptest.Response) {
				if m := r.Map(); m["role"] != "user" || m["is_active"] != true {
					t.Errorf("registered as %v, active %v", m["role"], m["is_active"])
				}
			}},
		{name: "password of exactly 72 bytes", body: register("bruce@example.com", "bruce", strings.Repeat("p", 72)), wantStatus: 201},
		{name: "password of 8 two-byte characters", body: register("gill@example.com", "gill", strings.Repeat("é", 8)), wantStatus: 201},
		{name: "email taken, in another case", body: register("TAKEN@Example.com", "fresh1", pw), wantStatus: 409,
			wantCode: "email_taken", wantFields: []string{"email"}},
		{name: "username taken", body: register("fresh2@example.com", "taken", pw), wantStatus: 409,
			wantCode: "username_taken", wantFields: []string{"username"}},
		{name: "both taken", body: register("taken@example.com", "taken", pw), wantStatus: 409,
			wantCode: "email_taken", wantFields: []string{"email", "username"}},
		{name: "invalid email", body: register("not-an-email", "u1x", pw), wantStatus: 422, wantCode: "validation_error", wantFields: []string{"email"}},
		{name: "email with a display name", body: register("Nemo <n@example.com>", "u2x", pw), wantStatus: 422, wantFields: []string{"email"}},
		{name: "email without a domain dot", body: register("n@localhost", "u3x", pw), wantStatus: 422, wantFields: []string{"email"}},
		{name: "username too short", body: register("u4@example.com", "ab", pw), wantStatus: 422, wantFields: []string{"username"}},
		{name: "username too long", body: register("u5@example.com", strings.Repeat("a", 51), pw), wantStatus: 422, wantFields: []string{"username"}},
		{name: "username with capitals", body: register("u6@example.com", "Nemo", pw), wantStatus: 422, wantFields: []string{"username"}},
		{name: "username with a space", body: register("u7@example.com", "ne mo", pw), wantStatus: 422, wantFields: []string{"username"}},
		{name: "password of 7 characters", body: register("u8@example.com", "u8x", "short-7"), wantStatus: 422, wantFields: []string{"password"}},
		{name: "password of 7 two-byte characters", body: register("u9@example.com", "u9x", strings.Repeat("é", 7)), wantStatus: 422, wantFields: []string{"password"}},
		{name: "password of 73 bytes", body: register("u10@example.com", "u10", strings.Repeat("p", 73)), wantStatus: 422, wantFields: []string{"password"}},
		{name: "password of 19 fish (76 bytes)", body: register("u11@example.com", "u11", strings.Repeat("🐟", 19)), wantStatus: 422, wantFields: []string{"password"}},
		{name: "full name with a control character", body: map[string]string{"email": "u12@example.com", "username": "u12", "password": pw, "full_name": "a\x07b"},
			wantStatus: 422, wantFields: []string{"full_name"}},
		{name: "every field wrong at once", body: map[string]string{"email": "x", "username": "X", "password": "y", "full_name": strings.Repeat("n", 201)},
			wantStatus: 422, wantFields: []string{"email", "username", "password", "full_name"}},
		{name: "empty object", body: `{}`, wantStatus: 422, wantFields: []string{"email", "username", "password"}},
		{name: "password is a number", body: `{"email":"u13@example.com","username":"u13","password":12345678}`, wantStatus: 422,
			wantFields: []string{"password"}},
		{name: "malformed JSON", body: `{"email":`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "a JSON array", body: `[]`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "trailing data", body: `{"email":"a@b.co"} {}`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "a form instead of JSON", body: url.Values{"email": {"u14@example.com"}}, wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "body over 16 KiB", body: `{"full_name":"` + strings.Repeat("n", 17<<10) + `"}`, wantStatus: 413, wantCode: "body_too_large"},
	}
	for i := range cases {
		cases[i].method, cases[i].path = http.MethodPost, "/auth/register"
	}
	runCases(t, ta, cases)
}

// TestPasswordsAreNeverTruncated: bcrypt looks at 72 bytes only; a longer
// password sharing those bytes must not open the account.
func TestPasswordsAreNeverTruncated(t *testing.T) {
	ta := apptest.New(t, nil)
	pw := strings.Repeat("k", 72)
	ta.Do("POST", ta.API("/auth/register"), register("long@example.com", "long", pw), nil).Want(201)
	login := func(password string) int {
		return ta.Do("POST", ta.API("/auth/login"), url.Values{"username": {"long"}, "password": {password}}, nil).Status
	}
	if got := login(pw); got != 200 {
		t.Fatalf("login with the 72-byte password: %d", got)
	}
	for _, extra := range []string{"k", "x", strings.Repeat("z", 100)} {
		if got := login(pw + extra); got != 401 {
			t.Errorf("login with the password plus %d more bytes: %d, want 401", len(extra), got)
		}
	}
}

func TestLogin(t *testing.T) {
	ta := apptest.New(t, nil)
	fish := ta.NewUser("fish")
	sleepy := ta.NewUser("sleepy")
	ta.Do("PATCH", ta.API("/users/"+sleepy.UserID), map[string]any{"is_active": false}, ta.Admin().Auth()).Want(200)
	pw := apptest.Password

	tokens := func(t *testing.T, r *apptest.Response) {
		var p struct {
			AccessToken  string `json:"access_token"`
			TokenType    string `json:"token_type"`
			ExpiresIn    int    `json:"expires_in"`
			RefreshToken string `json:"refresh_token"`
		}
		r.JSON(&p)
		if p.TokenType != "bearer" || p.ExpiresIn != 1800 || p.AccessToken == "" || len(p.RefreshToken) < 40 {
			t.Errorf("token pair %s", r.Body)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
		var me struct{ ID string }
		ta.Do("GET", ta.API("/auth/me"), nil, apptest.Bearer(p.AccessToken)).Want(200).JSON(&me)
		if me.ID != fish.UserID {
			t.Errorf("the token is for %s, want %s", me.ID, fish.UserID)
		}
	}
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	cases := []apiCase{
		{name: "form with username", body: form("username", "fish", "password", pw), wantStatus: 200, check: tokens},
		{name: "form with email in another case", body: form("username", "FISH@example.com", "password", pw), wantStatus: 200, check: tokens},
		{name: "form with grant_type and scope", body: form("grant_type", "password", "username", "fish", "password", pw, "scope", "x"),
			wantStatus: 200, check: tokens},
		{name: "JSON with username", body: map[string]string{"username": "fish", "password": pw}, wantStatus: 200, check: tokens},
		{name: "JSON with email", body: map[string]string{"email": "fish@example.com", "password": pw}, wantStatus: 200, check: tokens},
		{name: "wrong password", body: form("username", "fish", "password", pw+"x"), wantStatus: 401, wantCode: "invalid_credentials"},
		{name: "unknown username", body: form("username", "nobody", "password", pw), wantStatus: 401, wantCode: "invalid_credentials"},
		{name: "unknown email", body: form("username", "nobody@example.com", "password", pw), wantStatus: 401, wantCode: "invalid_credentials"},
		{name: "username in capitals", body: form("username", "FISH", "password", pw), wantStatus: 401, wantCode: "invalid_credentials"},
		{name: "very long username", body: form("username", strings.Repeat("f", 1000), "password", pw), wantStatus: 401, wantCode: "invalid_credentials"},
		{name: "deactivated, right password", body: form("username", "sleepy", "password", pw), wantStatus: 403, wantCode: "account_inactive"},
		{name: "deactivated, wrong password", body: form("username", "sleepy", "password", "wrong-password"), wantStatus: 401, wantCode: "invalid_credentials"},
		{name: "no password", body: form("username", "fish"), wantStatus: 422, wantFields: []string{"password"}},
		{name: "no username", body: form("password", pw), wantStatus: 422, wantFields: []string{"username"}},
		{name: "another grant type", body: form("grant_type", "client_credentials", "username", "fish", "password", pw),
			wantStatus: 400, wantCode: "unsupported_grant_type"},
		{name: "plain text", body: "username=fish", headers: map[string]string{"Content-Type": "text/plain"}, wantStatus: 415},
		{name: "malformed JSON", body: `{"username":`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "malformed form", body: "username=%zz", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			wantStatus: 400, wantCode: "invalid_form"},
	}
	for i := range cases {
		cases[i].method, cases[i].path = http.MethodPost, "/auth/login"
	}
	runCases(t, ta, cases)
}

// TestLoginDoesNotRevealAccounts: an unknown account and a wrong password
// are the same answer, word for word.
func TestLoginDoesNotRevealAccounts(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("fish")
	wrong := ta.Do("POST", ta.API("/auth/login"), url.Values{"username": {"fish"}, "password": {"not-it-at-all"}}, nil).Want(401)
	unknown := ta.Do("POST", ta.API("/auth/login"), url.Values{"username": {"ghost"}, "password": {"not-it-at-all"}}, nil).Want(401)
	a, b := wrong.Error(), unknown.Error()
	a.RequestID, b.RequestID = "", ""
	if a.Code != b.Code || a.Message != b.Message || len(a.Fields)+len(b.Fields) != 0 {
		t.Errorf("wrong password %+v vs unknown account %+v", a, b)
	}
}
