package auth_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/modules/auth"
	"github.com/aquaml/aquaml/platform/config"
)

func header(r *apptest.Response, name string) int {
	n, err := strconv.Atoi(r.Header.Get(name))
	if err != nil {
		return -1
	}
	return n
}

// spend sends requests until one is refused and returns the
// X-RateLimit-Remaining of each accepted one, and the refusal.
func spend(t *testing.T, max int, send func() *apptest.Response) ([]int, *apptest.Response) {
	t.Helper()
	var remaining []int
	for range max {
		r := send()
		if r.Status == 429 {
			return remaining, r
		}
		remaining = append(remaining, header(r, "X-RateLimit-Remaining"))
	}
	t.Fatalf("no 429 after %d requests", max)
	return nil, nil
}

func checkRefusal(t *testing.T, r *apptest.Response, limit int) {
	t.Helper()
	wantCode(t, r, 429, "rate_limited")
	if ra := header(r, "Retry-After"); ra < 1 || ra > 120 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	if header(r, "X-RateLimit-Limit") != limit || header(r, "X-RateLimit-Remaining") != 0 {
		t.Errorf("limit headers on the 429: %v", r.Header)
	}
	// Both headers tell the client when to come back; they must agree.
	if reset := header(r, "X-RateLimit-Reset"); reset != header(r, "Retry-After") {
		t.Errorf("X-RateLimit-Reset %d, Retry-After %q: they must be equal", reset, r.Header.Get("Retry-After"))
	}
}

func TestAPIRateLimitPerCaller(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.RateLimitPerMinute = 5 })
	alice := ta.NewUser("alice") // the last step, GET /auth/me, counts for alice
	bob := ta.Login(ta.NewUser("bob").Username, apptest.Password)

	remaining, refused := spend(t, 10, func() *apptest.Response { return me(ta, alice.AccessToken) })
	if fmt.Sprint(remaining) != "[3 2 1 0]" {
		t.Errorf("X-RateLimit-Remaining went %v, want [3 2 1 0]", remaining)
	}
	checkRefusal(t, refused, 5)
	if r := me(ta, bob.AccessToken).Want(200); header(r, "X-RateLimit-Limit") != 5 {
		t.Errorf("bob's limit headers: %v", r.Header)
	}

	// An API key has its own budget, apart from its owner's tokens: the
	// one it was made with.
	k := createKeyWith(t, ta, bob, map[string]any{"name": "cam", "rate_limit_per_minute": 7})
	if k.RateLimitPerMinute != 7 {
		t.Errorf("the key shows rate_limit_per_minute %d, want 7", k.RateLimitPerMinute)
	}
	remaining, refused = spend(t, 20, func() *apptest.Response { return me(ta, k.Key) })
	if len(remaining) != 7 {
		t.Errorf("the key got %d requests, want 7", len(remaining))
	}
	checkRefusal(t, refused, 7)
}

// TestKeyRateLimitDefaultFitsACamera: a key made without a budget gets
// one a camera sending two photos a second stays well within, whatever
// the per-user limit.
func TestKeyRateLimitDefaultFitsACamera(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.RateLimitPerMinute = 60 })
	alice := ta.NewUser("alice")
	k := createKey(t, ta, alice, "pier camera")
	if k.RateLimitPerMinute != auth.DefaultKeyRatePerMinute || auth.DefaultKeyRatePerMinute < 2*60 {
		t.Fatalf("default key budget %d/min (constant %d), want at least 120", k.RateLimitPerMinute, auth.DefaultKeyRatePerMinute)
	}
	// Two photos a second for a minute: 120 requests, none refused.
	for i := range 120 {
		r := me(ta, k.Key)
		if r.Status != 200 {
			t.Fatalf("request %d of a camera's minute: %d %s", i+1, r.Status, r.Body)
		}
		if i == 0 && header(r, "X-RateLimit-Limit") != auth.DefaultKeyRatePerMinute {
			t.Errorf("X-RateLimit-Limit %q", r.Header.Get("X-RateLimit-Limit"))
		}
	}
	if listKeys(t, ta, alice.Auth())[0].RateLimitPerMinute != auth.DefaultKeyRatePerMinute {
		t.Error("the listing does not show the key's budget")
	}
	// Where the per-user limit was raised above it, keys without a budget
	// keep that: an upgrade takes no camera below what it had.
	generous := apptest.New(t, func(c *config.Config) { c.RateLimitPerMinute = 1000 })
	k = createKey(t, generous, generous.NewUser("bob"), "pier camera")
	if r := me(generous, k.Key).Want(200); k.RateLimitPerMinute != 1000 || header(r, "X-RateLimit-Limit") != 1000 {
		t.Errorf("with RATE_LIMIT_PER_MINUTE 1000 a key shows %d and gets %q", k.RateLimitPerMinute, r.Header.Get("X-RateLimit-Limit"))
	}
	runCases(t, ta, []apiCase{
		{name: "zero", method: "POST", path: "/auth/api-keys", body: map[string]any{"name": "c", "rate_limit_per_minute": 0},
			headers: alice.Auth(), wantStatus: 422, wantFields: []string{"rate_limit_per_minute"}},
		{name: "negative", method: "POST", path: "/auth/api-keys", body: map[string]any{"name": "c", "rate_limit_per_minute": -5},
			headers: alice.Auth(), wantStatus: 422, wantFields: []string{"rate_limit_per_minute"}},
		{name: "above the most", method: "POST", path: "/auth/api-keys", body: map[string]any{"name": "c", "rate_limit_per_minute": auth.MaxKeyRatePerMinute + 1},
			headers: alice.Auth(), wantStatus: 422, wantFields: []string{"rate_limit_per_minute"}},
		{name: "a fraction", method: "POST", path: "/auth/api-keys", body: `{"name": "c", "rate_limit_per_minute": 2.5}`,
			headers: alice.Auth(), wantStatus: 422, wantFields: []string{"rate_limit_per_minute"}},
		{name: "a string", method: "POST", path: "/auth/api-keys", body: `{"name": "c", "rate_limit_per_minute": "120"}`,
			headers: alice.Auth(), wantStatus: 422, wantFields: []string{"rate_limit_per_minute"}},
		{name: "the most", method: "POST", path: "/auth/api-keys", body: map[string]any{"name": "c", "rate_limit_per_minute": auth.MaxKeyRatePerMinute},
			headers: alice.Auth(), wantStatus: 201},
	})
}

func TestAPIRateLimitPerAnonymousIP(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.RateLimitPerMinute = 3 })
	from := func(ip string) func() *apptest.Response {
		return func() *apptest.Response {
			return ta.Do("POST", ta.API("/auth/refresh"), map[string]string{"refresh_token": "x"},
				map[string]string{"X-Forwarded-For": ip})
		}
	}
	remaining, refused := spend(t, 10, from("203.0.113.7"))
	if len(remaining) != 3 {
		t.Errorf("%d anonymous requests before 429, want 3", len(remaining))
	}
	checkRefusal(t, refused, 3)
	wantCode(t, from("203.0.113.8")(), 401, "invalid_refresh_token") // another client is not affected
	// A bad credential is no way around the limit: it counts for the IP.
	r := ta.Do("GET", ta.API("/auth/me"), nil, map[string]string{"X-Forwarded-For": "203.0.113.7", "Authorization": "Bearer forged"})
	wantCode(t, r, 429, "rate_limited")
}

// TestFailedCredentialsDoNotSpendTheirOwnersBudget: a request is counted
// for the user or key its credential names in the same round trip as the
// check; when the check fails (a signed-out token, a key's public prefix
// with a wrong secret) the count moves to the client IP, so an old token
// or a known prefix cannot exhaust its owner's budget.
func TestFailedCredentialsDoNotSpendTheirOwnersBudget(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.RateLimitPerMinute = 5 })
	alice := ta.NewUser("alice")                                                                   // its GET /auth/me counts for alice: 1
	old := ta.Login("alice", apptest.Password)                                                     // 2
	ta.Do("POST", ta.API("/auth/logout"), nil, old.Auth()).Want(204)                               // 3
	k := createKeyWith(t, ta, alice, map[string]any{"name": "camera", "rate_limit_per_minute": 5}) // 4
	forged := k.Key[:len(k.Key)-4] + "aaaa"
	if strings.HasSuffix(k.Key, "aaaa") {
		forged = k.Key[:len(k.Key)-4] + "bbbb"
	}
	from := map[string]string{"X-Forwarded-For": "203.0.113.50"}
	for _, bad := range []string{old.AccessToken, forged} {
		for range 5 {
			r := ta.Do("GET", ta.API("/auth/me"), nil, apptest.With(from, "Authorization", "Bearer "+bad))
			if r.Status != 401 && r.Status != 429 {
				t.Fatalf("a failed credential: %d %s", r.Status, r.Body)
			}
		}
	}
	wantCode(t, ta.Do("GET", ta.API("/auth/me"), nil, from), 429, "rate_limited") // the IP paid
	if r := me(ta, alice.AccessToken).Want(200); header(r, "X-RateLimit-Remaining") != 0 {
		t.Errorf("alice's budget after the failures: remaining %q, want 0 (her own 5th request)", r.Header.Get("X-RateLimit-Remaining"))
	}
	remaining, _ := spend(t, 10, func() *apptest.Response { return me(ta, k.Key) })
	if fmt.Sprint(remaining) != "[4 3 2 1 0]" {
		t.Errorf("the key's budget after the forged secrets went %v, want [4 3 2 1 0]", remaining)
	}
}

func TestProbesAreNeverLimitedNorAuthenticated(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.RateLimitPerMinute = 1 })
	for range 5 {
		for _, path := range []string{"/health", "/live", "/ready", "/metrics"} {
			r := ta.Do("GET", path, nil, map[string]string{"Authorization": "Bearer forged"}).Want(200)
			if r.Header.Get("X-RateLimit-Limit") != "" {
				t.Fatalf("%s carries rate-limit headers", path)
			}
		}
	}
}

func TestAPIRateLimitZeroTurnsItOff(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.RateLimitPerMinute = 0 })
	s := ta.NewUser("fish")
	for range 20 {
		if r := me(ta, s.AccessToken).Want(200); r.Header.Get("X-RateLimit-Limit") != "" {
			t.Fatal("limit headers with the limit off")
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Auth.LoginRatePerMinute = 3 })
	for _, name := range []string{"alice", "bob", "carol"} {
		ta.Do("POST", ta.API("/auth/register"), register(name+"@example.com", name, apptest.Password), nil).Want(201)
	}
	login := func(ip, name, password string) *apptest.Response {
		return ta.Do("POST", ta.API("/auth/login"), url.Values{"username": {name}, "password": {password}},
			map[string]string{"X-Forwarded-For": ip})
	}

	t.Run("per IP", func(t *testing.T) {
		for _, name := range []string{"nobody1", "nobody2", "nobody3"} {
			wantCode(t, login("198.51.100.1", name, "wrong-password"), 401, "invalid_credentials")
		}
		r := login("198.51.100.1", "alice", apptest.Password) // even the right password
		wantCode(t, r, 429, "rate_limited")
		if header(r, "Retry-After") < 1 {
			t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		login("198.51.100.2", "alice", apptest.Password).Want(200)
	})
	t.Run("per account and client", func(t *testing.T) {
		// Someone floods alice's account from one address: that address
		// is refused, even with the right password...
		for _, name := range []string{"alice", "ALICE@example.com", "alice"} {
			wantCode(t, login("198.51.100.3", name, "wrong-password"), 401, "invalid_credentials")
		}
		wantCode(t, login("198.51.100.3", "alice", apptest.Password), 429, "rate_limited")
		// ...while alice, from her own address, still signs in.
		login("198.51.100.5", "alice", apptest.Password).Want(200)
		login("198.51.100.5", "bob", apptest.Password).Want(200)
	})
	t.Run("password checks count for the account", func(t *testing.T) {
		carol := ta.Login("carol", apptest.Password) // 1
		change := map[string]string{"password": "new-password-1", "current_password": "guess-1234"}
		for range 2 {
			ta.Do("PATCH", ta.API("/auth/me"), change, carol.Auth()).Want(422)
		}
		wantCode(t, ta.Do("PATCH", ta.API("/auth/me"), change, carol.Auth()), 429, "rate_limited")
	})
}

// TestRateLimitIsSharedByReplicas: two Apps on one Redis (and database)
// draw from one budget per caller.
func TestRateLimitIsSharedByReplicas(t *testing.T) {
	redisURL := apptest.SharedRedisURL(t)
	a := apptest.New(t, func(c *config.Config) { c.Redis.URL = redisURL; c.RateLimitPerMinute = 6 })
	b := apptest.New(t, func(c *config.Config) {
		c.Redis.URL, c.Database = redisURL, a.Config().Database
		c.RateLimitPerMinute = 6
	})
	s := a.NewUser("fish") // one request counted, on a
	apps := []*apptest.TestApp{b, a}
	i := 0
	remaining, refused := spend(t, 12, func() *apptest.Response { i++; return me(apps[i%2], s.AccessToken) })
	if fmt.Sprint(remaining) != "[4 3 2 1 0]" {
		t.Errorf("remaining across both replicas %v, want [4 3 2 1 0]", remaining)
	}
	checkRefusal(t, refused, 6)
	wantCode(t, me(a, s.AccessToken), 429, "rate_limited")
	wantCode(t, me(b, s.AccessToken), 429, "rate_limited")
}

// TestReplicasShareRevocations: a logout or deactivation on one replica
// holds on the other at once, although the other just cached the account.
func TestReplicasShareRevocations(t *testing.T) {
	redisURL := apptest.SharedRedisURL(t)
	a := apptest.New(t, func(c *config.Config) { c.Redis.URL = redisURL })
	b := apptest.New(t, func(c *config.Config) { c.Redis.URL, c.Database = redisURL, a.Config().Database })
	alice, bob := a.NewUser("alice"), a.NewUser("bob")

	me(b, alice.AccessToken).Want(200)
	a.Do("POST", a.API("/auth/logout"), nil, alice.Auth()).Want(204)
	wantCode(t, me(b, alice.AccessToken), 401, "token_revoked")

	me(b, bob.AccessToken).Want(200) // cached on b now
	a.Do("PATCH", a.API("/users/"+bob.UserID), map[string]any{"is_active": false}, a.Admin().Auth()).Want(200)
	wantCode(t, me(b, bob.AccessToken), 403, "account_inactive")
	if n := strings.Count(b.Logs(), "created the first admin") + strings.Count(a.Logs(), "created the first admin"); n != 1 {
		t.Errorf("the first admin was created %d times by two replicas", n)
	}
}

// TestRedisOutageFailsOpen: with Redis gone, requests are served without
// limits and the outage is logged; account checks fall back to the
// database, so deactivation still holds.
func TestRedisOutageFailsOpen(t *testing.T) {
	server := miniredis.NewMiniRedis()
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	ta := apptest.New(t, func(c *config.Config) {
		c.Redis.URL = "redis://" + server.Addr()
		c.RateLimitPerMinute, c.Auth.LoginRatePerMinute = 3, 3
	})
	alice := ta.NewUser("alice")
	admin := ta.Admin()
	server.Close()

	for range 6 {
		if r := me(ta, alice.AccessToken).Want(200); r.Header.Get("X-RateLimit-Limit") != "" {
			t.Fatal("limit headers without Redis")
		}
	}
	for range 4 {
		ta.Login("alice", apptest.Password)
	}
	ta.Do("PATCH", ta.API("/users/"+alice.UserID), map[string]any{"is_active": false}, admin.Auth()).Want(200)
	wantCode(t, me(ta, alice.AccessToken), 403, "account_inactive")
	if !strings.Contains(ta.Logs(), "redis unavailable; auth continues without it") {
		t.Error("the outage was not logged")
	}
}
