package auth_test

import (
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

type userPage struct {
	Items []struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Role     string `json:"role"`
		IsActive bool   `json:"is_active"`
	} `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

func TestAdminListsUsers(t *testing.T) {
	ta := apptest.New(t, nil)
	admin := ta.Admin()
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	ta.Do("PATCH", ta.API("/users/"+bob.UserID), map[string]any{"is_active": false}, admin.Auth()).Want(200)
	key := createKey(t, ta, alice, "script")

	page := func(want int, wantNames ...string) func(t *testing.T, r *apptest.Response) {
		return func(t *testing.T, r *apptest.Response) {
			var p userPage
			r.JSON(&p)
			var names []string
			for _, u := range p.Items {
				names = append(names, u.Username)
			}
			if p.Total != want || len(names) != len(wantNames) {
				t.Fatalf("total %d, items %v; want %d, %v", p.Total, names, want, wantNames)
			}
			for i := range names {
				if names[i] != wantNames[i] {
					t.Errorf("items %v, want %v", names, wantNames)
				}
			}
		}
	}
	cases := []apiCase{
		{name: "everyone, oldest first", path: "/users", headers: admin.Auth(), wantStatus: 200, check: page(3, "admin", "alice", "bob")},
		{name: "second page of two", path: "/users?per_page=2&page=2", headers: admin.Auth(), wantStatus: 200, check: page(3, "bob")},
		{name: "admins", path: "/users?role=admin", headers: admin.Auth(), wantStatus: 200, check: page(1, "admin")},
		{name: "deactivated", path: "/users?is_active=false", headers: admin.Auth(), wantStatus: 200, check: page(1, "bob")},
		{name: "active users", path: "/users?is_active=true&role=user", headers: admin.Auth(), wantStatus: 200, check: page(1, "alice")},
		{name: "page 0", path: "/users?page=0", headers: admin.Auth(), wantStatus: 422, wantFields: []string{"page"}},
		{name: "page not a number", path: "/users?page=two", headers: admin.Auth(), wantStatus: 422, wantFields: []string{"page"}},
		{name: "per_page 101", path: "/users?per_page=101", headers: admin.Auth(), wantStatus: 422, wantFields: []string{"per_page"}},
		{name: "is_active maybe", path: "/users?is_active=maybe", headers: admin.Auth(), wantStatus: 422, wantFields: []string{"is_active"}},
		{name: "role king", path: "/users?role=king", headers: admin.Auth(), wantStatus: 422, wantFields: []string{"role"}},
		{name: "a user", path: "/users", headers: alice.Auth(), wantStatus: 403, wantCode: "admin_required"},
		{name: "a user's API key", path: "/users", headers: apptest.Bearer(key.Key), wantStatus: 403, wantCode: "admin_required"},
		{name: "nobody", path: "/users", wantStatus: 401, wantCode: "not_authenticated"},
	}
	for i := range cases {
		cases[i].method = "GET"
	}
	runCases(t, ta, cases)
}

func TestAdminUpdatesUsers(t *testing.T) {
	ta := apptest.New(t, nil)
	admin := ta.Admin()
	alice := ta.NewUser("alice")
	cases := []apiCase{
		{name: "unknown user", path: "/users/nope", body: map[string]any{"is_active": false}, wantStatus: 404, wantCode: "user_not_found"},
		{name: "unknown role", path: "/users/" + alice.UserID, body: map[string]any{"role": "king"}, wantStatus: 422, wantFields: []string{"role"}},
		{name: "is_active not a boolean", path: "/users/" + alice.UserID, body: `{"is_active":"no"}`, wantStatus: 422, wantFields: []string{"is_active"}},
		{name: "not JSON", path: "/users/" + alice.UserID, body: url.Values{"role": {"admin"}}, wantStatus: 415},
		{name: "nothing", path: "/users/" + alice.UserID, body: `{}`, wantStatus: 200},
		{name: "the last admin cannot step down", path: "/users/" + admin.UserID, body: map[string]any{"role": "user"},
			wantStatus: 409, wantCode: "last_admin"},
		{name: "the last admin cannot deactivate", path: "/users/" + admin.UserID, body: map[string]any{"is_active": false},
			wantStatus: 409, wantCode: "last_admin"},
	}
	for i := range cases {
		cases[i].method, cases[i].headers = "PATCH", admin.Auth()
	}
	runCases(t, ta, cases)

	// A role change applies to tokens already issued, at once.
	wantCode(t, ta.Do("GET", ta.API("/users"), nil, alice.Auth()), 403, "admin_required")
	var u struct{ Role string }
	ta.Do("PATCH", ta.API("/users/"+alice.UserID), map[string]any{"role": "admin"}, admin.Auth()).Want(200).JSON(&u)
	if u.Role != "admin" {
		t.Fatalf("role %q", u.Role)
	}
	ta.Do("GET", ta.API("/users"), nil, alice.Auth()).Want(200)
	// With a second admin the first may step down, and loses access at once.
	ta.Do("PATCH", ta.API("/users/"+admin.UserID), map[string]any{"role": "user"}, admin.Auth()).Want(200)
	wantCode(t, ta.Do("GET", ta.API("/users"), nil, admin.Auth()), 403, "admin_required")
}

// TestDeactivationIsImmediate: every credential of a deactivated account
// stops on its next request, even one whose state was just cached.
func TestDeactivationIsImmediate(t *testing.T) {
	ta := apptest.New(t, nil)
	admin := ta.Admin()
	bob := ta.NewUser("bob")
	key := createKey(t, ta, bob, "camera")
	me(ta, bob.AccessToken).Want(200) // bob's state is now cached
	me(ta, key.Key).Want(200)

	var u struct {
		IsActive bool `json:"is_active"`
	}
	ta.Do("PATCH", ta.API("/users/"+bob.UserID), map[string]any{"is_active": false}, admin.Auth()).Want(200).JSON(&u)
	if u.IsActive {
		t.Fatal("still active")
	}
	wantCode(t, me(ta, bob.AccessToken), 403, "account_inactive")
	wantCode(t, me(ta, key.Key), 403, "account_inactive")
	wantCode(t, ta.Do("GET", ta.API("/auth/me"), nil, map[string]string{"X-API-Key": key.Key}), 403, "account_inactive")
	wantCode(t, refresh(ta, bob.RefreshToken), 401, "invalid_refresh_token")
	wantCode(t, ta.Do("POST", ta.API("/auth/login"), url.Values{"username": {"bob"}, "password": {apptest.Password}}, nil),
		403, "account_inactive")

	// Reactivation lets bob sign in again, but the old sessions stay ended
	// and the old API keys stay revoked: whoever held them while the
	// account was off must not get back in.
	ta.Do("PATCH", ta.API("/users/"+bob.UserID), map[string]any{"is_active": true}, admin.Auth()).Want(200)
	fresh := ta.Login("bob", apptest.Password)
	me(ta, fresh.AccessToken).Want(200)
	wantCode(t, me(ta, key.Key), 401, "invalid_api_key")
	wantCode(t, me(ta, bob.AccessToken), 401, "token_revoked")
	wantCode(t, refresh(ta, bob.RefreshToken), 401, "invalid_refresh_token")
	if keys := listKeys(t, ta, fresh.Auth()); len(keys) != 0 {
		t.Errorf("keys revoked by the deactivation are listed: %+v", keys)
	}
	again := createKey(t, ta, fresh, "new camera")
	me(ta, again.Key).Want(200)
}

// TestAdminsStepDownAtOnce: every admin demotes or deactivates itself at
// the same moment, through the API (each passes the admin check, as they
// all are admins when they ask). Exactly one is refused with 409
// last_admin, and one active admin is left.
func TestAdminsStepDownAtOnce(t *testing.T) {
	ta := apptest.New(t, nil)
	admins := []apptest.Session{ta.Admin()}
	for i := range 7 {
		s := ta.NewUser(fmt.Sprint("boss", i))
		ta.Do("PATCH", ta.API("/users/"+s.UserID), map[string]any{"role": "admin"}, admins[0].Auth()).Want(200)
		admins = append(admins, s)
	}
	start := make(chan struct{})
	statuses := make([]int, len(admins))
	var wg sync.WaitGroup
	for i, a := range admins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			change := map[string]any{"role": "user"}
			if i%2 == 1 {
				change = map[string]any{"is_active": false}
			}
			<-start
			statuses[i] = ta.Do("PATCH", ta.API("/users/"+a.UserID), change, a.Auth()).Status
		}()
	}
	close(start)
	wg.Wait()
	var left int64
	if err := ta.DB.Raw("SELECT COUNT(*) FROM users WHERE role = ? AND is_active = ?", "admin", true).Scan(&left).Error; err != nil {
		t.Fatal(err)
	}
	slices.Sort(statuses)
	if left != 1 || fmt.Sprint(statuses) != fmt.Sprint(append(slices.Repeat([]int{200}, len(admins)-1), 409)) {
		t.Errorf("%d active admins left; answers %v, want one 409 and the rest 200", left, statuses)
	}
}
