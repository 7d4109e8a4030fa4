package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/database"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/aquaml/aquaml/platform/testkit/dbtest"
	"github.com/google/uuid"
)

// The store tests run on whichever database the environment selects:
// SQLite by default, Postgres when TEST_DATABASE_URL is set (CI runs both).

func newTestStore(t *testing.T) *store {
	t.Helper()
	return newStore(dbtest.New(t).DB, nil)
}

func addUser(t *testing.T, s *store, email, username string, role string, active bool) User {
	t.Helper()
	u := User{ID: uuid.NewString(), Email: email, Username: username, PasswordHash: "x", IsActive: active, Role: role}
	if err := s.createUser(context.Background(), &u); err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	return u
}

func TestStoreUsers(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	fish := addUser(t, s, "fish@example.com", "fish", principal.RoleUser, true)

	got, err := s.userByID(ctx, fish.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != "fish@example.com" || got.Username != "fish" || !got.IsActive || got.Role != "user" {
		t.Errorf("read back %+v", got)
	}
	if !got.CreatedAt.Equal(fish.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("created_at %v (%v), wrote %v", got.CreatedAt, got.CreatedAt.Location(), fish.CreatedAt)
	}
	for _, login := range []string{"fish", "fish@example.com", "FISH@Example.com"} {
		if u, err := s.userByLogin(ctx, login); err != nil || u.ID != fish.ID {
			t.Errorf("userByLogin(%q) = %v, %v", login, u.ID, err)
		}
	}
	for _, login := range []string{"FISH", "nobody", "nobody@example.com", ""} {
		if _, err := s.userByLogin(ctx, login); !errors.Is(err, errNoRows) {
			t.Errorf("userByLogin(%q) err = %v, want errNoRows", login, err)
		}
	}

	dup := User{ID: uuid.NewString(), Email: "fish@example.com", Username: "other", PasswordHash: "x", Role: "user"}
	if err := s.createUser(ctx, &dup); !errors.Is(err, errEmailTaken) {
		t.Errorf("duplicate email: %v", err)
	}
	dup = User{ID: uuid.NewString(), Email: "other@example.com", Username: "fish", PasswordHash: "x", Role: "user"}
	if err := s.createUser(ctx, &dup); !errors.Is(err, errUsernameTaken) {
		t.Errorf("duplicate username: %v", err)
	}
	if e, n, err := s.taken(ctx, "fish@example.com", "fish"); err != nil || !e || !n {
		t.Errorf("taken = %v %v %v", e, n, err)
	}

	if err := s.updateUser(ctx, fish.ID, map[string]any{"is_active": false, "role": "admin"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.userByID(ctx, fish.ID)
	if got.IsActive || got.Role != "admin" || got.UpdatedAt.Before(fish.UpdatedAt) {
		t.Errorf("after update %+v", got)
	}
	if err := s.updateUser(ctx, "missing", map[string]any{"role": "user"}); !errors.Is(err, errNoRows) {
		t.Errorf("update of a missing user: %v", err)
	}
}

func TestStoreRoleCheckConstraint(t *testing.T) {
	s := newTestStore(t)
	u := User{ID: uuid.NewString(), Email: "x@example.com", Username: "xxx", PasswordHash: "x", Role: "superuser"}
	if err := s.createUser(context.Background(), &u); err == nil {
		t.Error("the database accepted role superuser")
	}
}

func TestStoreListUsers(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	for i := range 5 {
		addUser(t, s, fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("user%d", i), principal.RoleUser, i%2 == 0)
	}
	addUser(t, s, "boss@example.com", "boss", principal.RoleAdmin, true)
	yes, admin := true, principal.RoleAdmin
	tests := []struct {
		name      string
		f         UserFilter
		wantItems int
		wantTotal int64
	}{
		{"first page", UserFilter{Page: paging.Request{Page: 1, Size: 4}}, 4, 6},
		{"last page", UserFilter{Page: paging.Request{Page: 2, Size: 4}}, 2, 6},
		{"past the end", UserFilter{Page: paging.Request{Page: 9, Size: 4}}, 0, 6},
		{"active only", UserFilter{IsActive: &yes, Page: paging.Request{Page: 1, Size: 20}}, 4, 4},
		{"admins", UserFilter{Role: &admin, Page: paging.Request{Page: 1, Size: 20}}, 1, 1},
		{"active admins", UserFilter{Role: &admin, IsActive: &yes, Page: paging.Request{Page: 1, Size: 20}}, 1, 1},
	}
	for _, tt := range tests {
		users, total, err := s.listUsers(ctx, tt.f)
		if err != nil || len(users) != tt.wantItems || total != tt.wantTotal {
			t.Errorf("%s: %d items, total %d, err %v; want %d, %d", tt.name, len(users), total, err, tt.wantItems, tt.wantTotal)
		}
	}
	if n, err := s.activeAdmins(ctx, ""); err != nil || n != 1 {
		t.Errorf("activeAdmins = %d, %v", n, err)
	}
}

func TestStoreRefreshRotation(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	u := addUser(t, s, "fish@example.com", "fish", principal.RoleUser, true)
	first := refreshToken{ID: uuid.NewString(), UserID: u.ID, FamilyID: "fam", TokenHash: "h1", ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.createSession(ctx, &session{ID: "fam", UserID: u.ID, ExpiresAt: first.ExpiresAt}, &first); err != nil {
		t.Fatal(err)
	}

	// Many concurrent rotations of the same token: exactly one may win.
	const racers = 8
	var wg sync.WaitGroup
	wins := make(chan string, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := refreshToken{ID: uuid.NewString(), UserID: u.ID, FamilyID: "fam", TokenHash: fmt.Sprintf("h2-%d", i),
				ExpiresAt: time.Now().Add(time.Hour)}
			outcome, err := s.rotate(ctx, first.ID, &next)
			if err != nil {
				t.Errorf("rotate: %v", err)
			}
			if outcome == rotated {
				wins <- next.ID
			}
		}()
	}
	wg.Wait()
	close(wins)
	var winners []string
	for id := range wins {
		winners = append(winners, id)
	}
	if len(winners) != 1 {
		t.Fatalf("%d rotations won, want exactly 1", len(winners))
	}
	old, err := s.refreshByHash(ctx, "h1")
	if err != nil || !old.Revoked || old.ReplacedBy == nil || *old.ReplacedBy != winners[0] {
		t.Errorf("retired token %+v, %v", old, err)
	}

	other := refreshToken{ID: uuid.NewString(), UserID: u.ID, FamilyID: "other", TokenHash: "h3", ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.createSession(ctx, &session{ID: "other", UserID: u.ID, ExpiresAt: other.ExpiresAt}, &other); err != nil {
		t.Fatal(err)
	}
	ended, err := s.revokeSessions(ctx, u.ID, "other")
	if err != nil || len(ended) != 1 || ended[0] != "fam" {
		t.Errorf("revokeSessions kept 'other' and ended %v, %v", ended, err)
	}
	if rt, _ := s.refreshByHash(ctx, "h3"); rt.Revoked {
		t.Error("the kept session was revoked")
	}
	if err := s.revokeFamily(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	if rt, _ := s.refreshByHash(ctx, "h3"); !rt.Revoked {
		t.Error("revokeFamily left a token live")
	}
	for _, sid := range []string{"fam", "other"} {
		if row, err := s.tokenState(ctx, u.ID, sid); err != nil || row.RevokedAt == nil {
			t.Errorf("session %s after it was ended: %+v, %v", sid, row, err)
		}
	}
	// A refresh token that is somehow still live in an ended session
	// cannot be rotated: the session row guards it.
	late := refreshToken{ID: uuid.NewString(), UserID: u.ID, FamilyID: "other", TokenHash: "h4", ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.insertRefresh(ctx, &late); err != nil {
		t.Fatal(err)
	}
	next := refreshToken{ID: uuid.NewString(), UserID: u.ID, FamilyID: "other", TokenHash: "h5", ExpiresAt: time.Now().Add(time.Hour)}
	if outcome, err := s.rotate(ctx, late.ID, &next); err != nil || outcome != sessionOver {
		t.Errorf("rotation in an ended session: %v, %v", outcome, err)
	}
	if _, err := s.refreshByHash(ctx, "h5"); !errors.Is(err, errNoRows) {
		t.Errorf("the ended session got a new refresh token: %v", err)
	}
	if _, err := s.refreshByHash(ctx, "nope"); !errors.Is(err, errNoRows) {
		t.Errorf("unknown hash: %v", err)
	}
}

func TestStoreAPIKeys(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	owner := addUser(t, s, "cam@example.com", "camera", principal.RoleUser, true)
	stranger := addUser(t, s, "x@example.com", "stranger", principal.RoleUser, true)
	k := apiKey{ID: uuid.NewString(), UserID: owner.ID, Name: "pier camera", Prefix: "aqk_000000000001", SecretHash: "hash"}
	if err := s.insertKey(ctx, &k); err != nil {
		t.Fatal(err)
	}
	dup := apiKey{ID: uuid.NewString(), UserID: owner.ID, Name: "x", Prefix: k.Prefix, SecretHash: "h"}
	if err := s.insertKey(ctx, &dup); err == nil {
		t.Error("two keys with one prefix")
	}
	got, err := s.keyByPrefix(ctx, k.Prefix)
	if err != nil || got.ID != k.ID || got.UserID != owner.ID || got.SecretHash != "hash" || !got.IsActive ||
		got.Role != "user" || got.Revoked || got.LastUsedAt != nil {
		t.Fatalf("keyByPrefix = %+v, %v", got, err)
	}
	if _, err := s.keyByPrefix(ctx, "aqk_ffffffffffff"); !errors.Is(err, errNoRows) {
		t.Errorf("unknown prefix: %v", err)
	}

	if err := s.touchKey(ctx, k.ID, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, _ = s.keyByPrefix(ctx, k.Prefix)
	if got.LastUsedAt == nil || time.Since(*got.LastUsedAt) > time.Minute {
		t.Fatalf("last_used_at = %v", got.LastUsedAt)
	}
	first := *got.LastUsedAt
	if err := s.touchKey(ctx, k.ID, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.keyByPrefix(ctx, k.Prefix); !got.LastUsedAt.Equal(first) {
		t.Error("a second use within the interval wrote last_used_at again")
	}

	if n, _ := s.countKeys(ctx, owner.ID); n != 1 {
		t.Errorf("countKeys = %d", n)
	}
	if _, err := s.revokeKey(ctx, stranger.ID, k.ID); !errors.Is(err, errNoRows) {
		t.Errorf("a stranger revoked the key: %v", err)
	}
	if _, err := s.revokeKey(ctx, owner.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.revokeKey(ctx, owner.ID, k.ID); !errors.Is(err, errNoRows) {
		t.Errorf("revoking twice: %v", err)
	}
	if keys, _ := s.listKeys(ctx, owner.ID); len(keys) != 0 {
		t.Errorf("revoked key still listed: %+v", keys)
	}
	if got, _ := s.keyByPrefix(ctx, k.Prefix); !got.Revoked {
		t.Error("keyByPrefix does not report the revocation")
	}
}

// TestStoreTimesIgnoreTheSessionTimeZone: columns are TIMESTAMP in UTC, so
// a server or session in another zone must not shift what is read back.
func TestStoreTimesIgnoreTheSessionTimeZone(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	d.SQL.SetMaxOpenConns(1) // the SET below must hold for every query
	if d.Dialect == database.Postgres {
		if err := d.Exec("SET TIME ZONE 'Pacific/Auckland'").Error; err != nil {
			t.Fatal(err)
		}
	}
	s := newStore(d.DB, nil)
	u := addUser(t, s, "fish@example.com", "fish", principal.RoleUser, true)
	exp := time.Date(2026, 7, 1, 23, 30, 0, 123456000, time.UTC)
	rt := refreshToken{ID: uuid.NewString(), UserID: u.ID, FamilyID: "f", TokenHash: "h", ExpiresAt: exp}
	if err := s.insertRefresh(ctx, &rt); err != nil {
		t.Fatal(err)
	}
	got, err := s.refreshByHash(ctx, "h")
	if err != nil || !got.ExpiresAt.Equal(exp) {
		t.Errorf("expires_at read back as %v (%v), wrote %v", got.ExpiresAt, err, exp)
	}
	if err := s.pruneRefresh(ctx, u.ID, exp.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.refreshByHash(ctx, "h"); err != nil {
		t.Errorf("pruning before the expiry removed the token: %v", err)
	}
	if err := s.pruneRefresh(ctx, u.ID, exp.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.refreshByHash(ctx, "h"); !errors.Is(err, errNoRows) {
		t.Errorf("pruning after the expiry kept the token: %v", err)
	}
}
