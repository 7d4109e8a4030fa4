package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/testkit/nettest"
)

// These tests revoke credentials and then take Redis away in each way it
// can go (flushed, unreachable, a fresh process with an empty in-process
// Redis): the database holds the revocations, so nothing comes back. They
// run on SQLite and the in-process Redis, and on Postgres and a real Redis
// when TEST_DATABASE_URL and TEST_REDIS_URL are set.

// revoked is a credential that was revoked and the answer it must keep
// getting.
type revoked struct {
	what       string
	credential string
	status     int
	code       string
}

// revokeEverything signs alice out in every way the service knows and
// returns the dead credentials, plus bob's live session, which must keep
// working throughout.
func revokeEverything(t *testing.T, ta *apptest.TestApp) ([]revoked, apptest.Session) {
	t.Helper()
	admin := ta.Admin()
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")

	loggedOut := ta.Login("alice", apptest.Password)
	me(ta, loggedOut.AccessToken).Want(200) // cached as live before the sign-out
	ta.Do("POST", ta.API("/auth/logout"), nil, loggedOut.Auth()).Want(204)

	stolen := ta.Login("alice", apptest.Password)
	var owner pair
	refresh(ta, stolen.RefreshToken).Want(200).JSON(&owner)
	me(ta, owner.AccessToken).Want(200)
	wantCode(t, refresh(ta, stolen.RefreshToken), 401, "refresh_token_reused")

	other := ta.Login("alice", apptest.Password)
	me(ta, other.AccessToken).Want(200)
	change := map[string]string{"password": "a-new-password-1", "current_password": apptest.Password}
	ta.Do("PATCH", ta.API("/auth/me"), change, alice.Auth()).Want(200)

	deleted := createKey(t, ta, alice, "old camera")
	me(ta, deleted.Key).Want(200)
	ta.Do("DELETE", ta.API("/auth/api-keys/"+deleted.ID), nil, alice.Auth()).Want(204)

	// Deactivated and reactivated: the account works again, its old
	// credentials do not.
	carol := ta.NewUser("carol")
	carolKey := createKey(t, ta, carol, "carol's camera")
	me(ta, carolKey.Key).Want(200)
	for _, active := range []bool{false, true} {
		ta.Do("PATCH", ta.API("/users/"+carol.UserID), map[string]any{"is_active": active}, admin.Auth()).Want(200)
	}
	return []revoked{
		{"a logged-out access token", loggedOut.AccessToken, 401, "token_revoked"},
		{"the owner's token after its refresh token was reused", owner.AccessToken, 401, "token_revoked"},
		{"another session's token after a password change", other.AccessToken, 401, "token_revoked"},
		{"a deleted API key", deleted.Key, 401, "invalid_api_key"},
		{"a token from before a deactivation", carol.AccessToken, 401, "token_revoked"},
		{"an API key from before a deactivation", carolKey.Key, 401, "invalid_api_key"},
	}, bob
}

// stayRevoked checks every revoked credential, twice (the second answer
// may come from the cache the first filled), and that none of them can
// mint a permanent API key; bob's session still works.
func stayRevoked(t *testing.T, ta *apptest.TestApp, dead []revoked, live *apptest.Session) {
	t.Helper()
	for _, d := range dead {
		for range 2 {
			r := me(ta, d.credential)
			if r.Status != d.status || r.Error().Code != d.code {
				t.Errorf("%s: %d %s, want %d %s", d.what, r.Status, r.Body, d.status, d.code)
			}
		}
		r := ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "backdoor"}, apptest.Bearer(d.credential))
		if r.Status == 201 || r.Status < 400 {
			t.Errorf("%s minted an API key: %d %s", d.what, r.Status, r.Body)
		}
	}
	me(ta, live.AccessToken).Want(200)
	var next pair
	refresh(ta, live.RefreshToken).Want(200).JSON(&next)
	live.AccessToken, live.RefreshToken = next.AccessToken, next.RefreshToken
	me(ta, live.AccessToken).Want(200)
}

func TestRevocationsSurviveARedisFlush(t *testing.T) {
	ta := apptest.New(t, nil)
	dead, bob := revokeEverything(t, ta)
	stayRevoked(t, ta, dead, &bob)
	// FLUSHALL on the in-process server; on a shared server FLUSHDB, as
	// FLUSHALL would also wipe the databases other tests lease there.
	flush := ta.Redis.Client.B().Flushdb().Build()
	if ta.Redis.Embedded() {
		flush = ta.Redis.Client.B().Flushall().Build()
	}
	if err := ta.Redis.Client.Do(context.Background(), flush).Error(); err != nil {
		t.Fatal(err)
	}
	stayRevoked(t, ta, dead, &bob)
}

func TestRevocationsSurviveARedisOutage(t *testing.T) {
	redisURL, proxy := nettest.Behind(t, apptest.SharedRedisURL(t))
	ta := apptest.New(t, func(c *config.Config) { c.Redis.URL = redisURL })
	dead, bob := revokeEverything(t, ta)
	proxy.Cut()
	stayRevoked(t, ta, dead, &bob)
}

// TestRevocationsSurviveARestart: a new process over the same database
// starts with an empty Redis (in-process by default, a fresh database on a
// real server), as the embedded server does after a restart.
func TestRevocationsSurviveARestart(t *testing.T) {
	before := apptest.New(t, nil)
	dead, bob := revokeEverything(t, before)
	after := apptest.New(t, func(c *config.Config) { c.Database = before.Config().Database })
	stayRevoked(t, after, dead, &bob)
}

// TestNoDatabaseNoRedisMeansNoEntry: when neither can say whether a
// credential was revoked, it is refused with 503 and Retry-After, never
// let through.
func TestNoDatabaseNoRedisMeansNoEntry(t *testing.T) {
	redisURL, redisProxy := nettest.Behind(t, apptest.SharedRedisURL(t))
	var dbProxy *nettest.Proxy
	ta := apptest.New(t, func(c *config.Config) {
		c.Redis.URL = redisURL
		if c.Database.URL != "" {
			c.Database.URL, dbProxy = nettest.Behind(t, c.Database.URL)
		}
	})
	alice := ta.NewUser("alice")
	key := createKey(t, ta, alice, "camera")
	me(ta, alice.AccessToken).Want(200)
	me(ta, key.Key).Want(200)

	redisProxy.Cut()
	if dbProxy != nil {
		dbProxy.Cut()
	} else if err := ta.DB.SQL.Close(); err != nil { // SQLite has no server to cut
		t.Fatal(err)
	}
	for name, credential := range map[string]string{"access token": alice.AccessToken, "API key": key.Key} {
		for _, r := range []*apptest.Response{
			me(ta, credential),
			ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "x"}, apptest.Bearer(credential)),
		} {
			wantCode(t, r, 503, "auth_unavailable")
			if header(r, "Retry-After") < 1 {
				t.Errorf("%s: Retry-After %q", name, r.Header.Get("Retry-After"))
			}
		}
	}
	if !strings.Contains(ta.Logs(), "credentials cannot be checked") {
		t.Error("the refusal was not logged")
	}
}

// TestAPIKeyRevocationReachesEveryReplica: the key is cached on both
// replicas; deleting it on one, or deactivating its owner, holds on the
// other at its next request.
func TestAPIKeyRevocationReachesEveryReplica(t *testing.T) {
	redisURL := apptest.SharedRedisURL(t)
	a := apptest.New(t, func(c *config.Config) { c.Redis.URL = redisURL })
	b := apptest.New(t, func(c *config.Config) { c.Redis.URL, c.Database = redisURL, a.Config().Database })
	alice, bob := a.NewUser("alice"), a.NewUser("bob")
	ak, bk := createKey(t, a, alice, "camera"), createKey(t, a, bob, "camera")
	for _, ta := range []*apptest.TestApp{a, b, b} {
		me(ta, ak.Key).Want(200)
		me(ta, bk.Key).Want(200)
	}
	a.Do("DELETE", a.API("/auth/api-keys/"+ak.ID), nil, alice.Auth()).Want(204)
	wantCode(t, me(b, ak.Key), 401, "invalid_api_key")

	a.Do("PATCH", a.API("/users/"+bob.UserID), map[string]any{"role": "admin"}, a.Admin().Auth()).Want(200)
	b.Do("GET", b.API("/users"), nil, apptest.Bearer(bk.Key)).Want(200) // the new role, at once
	a.Do("PATCH", a.API("/users/"+bob.UserID), map[string]any{"is_active": false}, a.Admin().Auth()).Want(200)
	wantCode(t, me(b, bk.Key), 403, "account_inactive")
}
