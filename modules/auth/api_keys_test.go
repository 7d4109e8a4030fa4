package auth_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

type keyView struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Prefix     string  `json:"prefix"`
	Key        string  `json:"key"`
	LastUsedAt *string `json:"last_used_at"`
	// RateLimitPerMinute is the key's budget.
	RateLimitPerMinute int `json:"rate_limit_per_minute"`
}

func createKeyWith(t *testing.T, ta *apptest.TestApp, s apptest.Session, body map[string]any) keyView {
	t.Helper()
	var k keyView
	ta.Do("POST", ta.API("/auth/api-keys"), body, s.Auth()).Want(201).JSON(&k)
	return k
}

func createKey(t *testing.T, ta *apptest.TestApp, s apptest.Session, name string) keyView {
	t.Helper()
	var k keyView
	ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": name}, s.Auth()).Want(201).JSON(&k)
	return k
}

func listKeys(t *testing.T, ta *apptest.TestApp, auth map[string]string) []keyView {
	t.Helper()
	var keys []keyView
	r := ta.Do("GET", ta.API("/auth/api-keys"), nil, auth).Want(200)
	if strings.TrimSpace(string(r.Body)) == "null" {
		t.Fatal("an empty key list is null, want []")
	}
	r.JSON(&keys)
	return keys
}

func TestAPIKeys(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")

	r := ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "pier camera"}, alice.Auth()).Want(201)
	var k keyView
	r.JSON(&k)
	if !strings.HasPrefix(k.Key, k.Prefix+"_") || !strings.HasPrefix(k.Prefix, "aqk_") || k.Name != "pier camera" || k.ID == "" ||
		k.LastUsedAt != nil {
		t.Fatalf("created %s", r.Body)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Error("the answer holding the secret may be cached")
	}

	keys := listKeys(t, ta, alice.Auth())
	if len(keys) != 1 || keys[0].ID != k.ID || keys[0].Prefix != k.Prefix || keys[0].Key != "" {
		t.Fatalf("listed %+v; the secret must not be listed", keys)
	}

	var whoami struct{ ID string }
	me(ta, k.Key).Want(200).JSON(&whoami)
	if whoami.ID != alice.UserID {
		t.Errorf("the key authenticates %s, want %s", whoami.ID, alice.UserID)
	}
	ta.Do("GET", ta.API("/auth/me"), nil, map[string]string{"X-API-Key": k.Key}).Want(200)
	if keys := listKeys(t, ta, alice.Auth()); keys[0].LastUsedAt == nil {
		t.Error("last_used_at not set after use")
	}

	wrongSecret := k.Key[:len(k.Key)-4] + "aaaa"
	if strings.HasSuffix(k.Key, "aaaa") {
		wrongSecret = k.Key[:len(k.Key)-4] + "bbbb"
	}
	cases := []apiCase{
		{name: "right prefix, wrong secret", method: "GET", path: "/auth/me", headers: apptest.Bearer(wrongSecret), wantStatus: 401, wantCode: "invalid_api_key"},
		{name: "malformed key", method: "GET", path: "/auth/me", headers: map[string]string{"X-API-Key": "aqk_nope"}, wantStatus: 401, wantCode: "invalid_api_key"},
		{name: "a key cannot mint keys", method: "POST", path: "/auth/api-keys", body: map[string]string{"name": "x"},
			headers: apptest.Bearer(k.Key), wantStatus: 403, wantCode: "token_required"},
		{name: "a key can list keys", method: "GET", path: "/auth/api-keys", headers: apptest.Bearer(k.Key), wantStatus: 200},
		{name: "no name", method: "POST", path: "/auth/api-keys", body: `{}`, headers: alice.Auth(), wantStatus: 422, wantFields: []string{"name"}},
		{name: "blank name", method: "POST", path: "/auth/api-keys", body: map[string]string{"name": "  "}, headers: alice.Auth(),
			wantStatus: 422, wantFields: []string{"name"}},
		{name: "name too long", method: "POST", path: "/auth/api-keys", body: map[string]string{"name": strings.Repeat("n", 101)},
			headers: alice.Auth(), wantStatus: 422, wantFields: []string{"name"}},
		{name: "no credentials", method: "POST", path: "/auth/api-keys", body: map[string]string{"name": "x"}, wantStatus: 401},
		{name: "unknown id", method: "DELETE", path: "/auth/api-keys/00000000-0000-0000-0000-000000000000", headers: alice.Auth(),
			wantStatus: 404, wantCode: "api_key_not_found"},
	}
	runCases(t, ta, cases)

	ta.Do("DELETE", ta.API("/auth/api-keys/"+k.ID), nil, alice.Auth()).Want(204)
	wantCode(t, me(ta, k.Key), 401, "invalid_api_key")
	if keys := listKeys(t, ta, alice.Auth()); len(keys) != 0 {
		t.Errorf("a revoked key is listed: %+v", keys)
	}
	wantCode(t, ta.Do("DELETE", ta.API("/auth/api-keys/"+k.ID), nil, alice.Auth()), 404, "api_key_not_found")
}

func TestAPIKeysPerAccountAreBounded(t *testing.T) {
	ta := apptest.New(t, nil)
	s := ta.NewUser("camera")
	for i := range 50 {
		createKey(t, ta, s, fmt.Sprint("camera ", i))
	}
	r := ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "one too many"}, s.Auth())
	wantCode(t, r, 409, "too_many_api_keys")
}

// TestOtherUsersObjectsAreNotFound: nobody can see, use or revoke another
// user's keys, and the answer does not say that they exist.
func TestOtherUsersObjectsAreNotFound(t *testing.T) {
	ta := apptest.New(t, nil)
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	ak := createKey(t, ta, alice, "alice's camera")
	createKey(t, ta, bob, "bob's camera")

	for _, k := range listKeys(t, ta, bob.Auth()) {
		if k.ID == ak.ID {
			t.Fatal("bob sees alice's key")
		}
	}
	theirs := ta.Do("DELETE", ta.API("/auth/api-keys/"+ak.ID), nil, bob.Auth())
	nobodys := ta.Do("DELETE", ta.API("/auth/api-keys/does-not-exist"), nil, bob.Auth())
	wantCode(t, theirs, 404, "api_key_not_found")
	wantCode(t, nobodys, 404, "api_key_not_found")
	if a, b := theirs.Error(), nobodys.Error(); a.Message != b.Message {
		t.Errorf("another's key and no key answer differently: %q vs %q", a.Message, b.Message)
	}
	me(ta, ak.Key).Want(200) // still alice's, still working

	// Accounts: bob only ever sees his own, and the admin routes answer a
	// non-admin the same whether the account exists or not.
	var m struct{ ID string }
	me(ta, bob.AccessToken).Want(200).JSON(&m)
	if m.ID != bob.UserID {
		t.Errorf("/auth/me answers %s for bob", m.ID)
	}
	real := ta.Do("PATCH", ta.API("/users/"+alice.UserID), map[string]any{"is_active": false}, bob.Auth())
	fake := ta.Do("PATCH", ta.API("/users/no-such-user"), map[string]any{"is_active": false}, bob.Auth())
	wantCode(t, real, 403, "admin_required")
	wantCode(t, fake, 403, "admin_required")
	me(ta, alice.AccessToken).Want(200)
}
