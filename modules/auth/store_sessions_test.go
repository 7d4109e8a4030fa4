package auth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aquaml/aquaml/db"
	"github.com/aquaml/aquaml/platform/database"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/aquaml/aquaml/platform/testkit/dbtest"
	"github.com/google/uuid"
)

// migrateTo applies the embedded migrations whose names sort before stop
// ("" for all).
func migrateTo(t *testing.T, d *database.DB, stop string) {
	t.Helper()
	all := db.Migrations()
	entries, err := fs.ReadDir(all, ".")
	if err != nil {
		t.Fatal(err)
	}
	sub := fstest.MapFS{}
	for _, e := range entries {
		if stop != "" && e.Name() >= stop {
			continue
		}
		data, err := fs.ReadFile(all, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		sub[e.Name()] = &fstest.MapFile{Data: data}
	}
	m, err := database.NewMigrator(d, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSessionsMigrationKeepsSignedOutSessionsSignedOut: upgrading turns
// each refresh-token family into a session; a family with no live token
// was signed out (or rotated into reuse detection) and its session starts
// revoked, so its access tokens stay refused after the upgrade.
func TestSessionsMigrationKeepsSignedOutSessionsSignedOut(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	migrateTo(t, d, "0004")
	s := newStore(d.DB, nil)
	u := addUser(t, s, "fish@example.com", "fish", principal.RoleUser, true)
	now := time.Now().UTC().Truncate(time.Second)
	next := "t2"
	for _, rt := range []refreshToken{
		{ID: "t1", FamilyID: "live", TokenHash: "h1", ExpiresAt: now.Add(time.Hour), Revoked: true, ReplacedBy: &next},
		{ID: "t2", FamilyID: "live", TokenHash: "h2", ExpiresAt: now.Add(2 * time.Hour)},
		{ID: "t3", FamilyID: "out", TokenHash: "h3", ExpiresAt: now.Add(time.Hour), Revoked: true},
	} {
		rt.UserID = u.ID
		if err := s.insertRefresh(ctx, &rt); err != nil {
			t.Fatal(err)
		}
	}
	migrateTo(t, d, "")

	live, err := s.tokenState(ctx, u.ID, "live")
	if err != nil || live.RevokedAt != nil || live.SessionUser == nil || *live.SessionUser != u.ID ||
		live.ExpiresAt == nil || !live.ExpiresAt.Equal(now.Add(2*time.Hour)) {
		t.Errorf("the live family as a session: %+v, %v", live, err)
	}
	if out, err := s.tokenState(ctx, u.ID, "out"); err != nil || out.RevokedAt == nil {
		t.Errorf("the signed-out family as a session: %+v, %v", out, err)
	}
	if none, err := s.tokenState(ctx, u.ID, "never"); err != nil || none.SessionUser != nil || !none.IsActive {
		t.Errorf("a session that never existed: %+v, %v", none, err)
	}
	if _, err := s.tokenState(ctx, "ghost", "live"); !errors.Is(err, errNoRows) {
		t.Errorf("an account that does not exist: %v", err)
	}
}

// TestPruneSessionsKeepsWhatTokensMayStillName: a session is dropped only
// once no access token of it can still be valid.
func TestPruneSessionsKeepsWhatTokensMayStillName(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	u := addUser(t, s, "fish@example.com", "fish", principal.RoleUser, true)
	now := time.Now().UTC()
	for i, exp := range []time.Duration{-time.Hour, -time.Minute, time.Hour} {
		id := strings.Repeat(string(rune('a'+i)), 3)
		rt := refreshToken{ID: id, UserID: u.ID, FamilyID: id, TokenHash: id, ExpiresAt: now.Add(exp)}
		if err := s.createSession(ctx, &session{ID: id, UserID: u.ID, ExpiresAt: rt.ExpiresAt}, &rt); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.pruneSessions(ctx, u.ID, now, 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	var left []string
	s.db.Model(&session{}).Where("user_id = ?", u.ID).Order("id").Pluck("id", &left)
	if strings.Join(left, ",") != "bbb,ccc" {
		t.Errorf("sessions left %v, want bbb (expired a minute ago, within the grace) and ccc", left)
	}
}

func TestStorePruneRefresh(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	u := addUser(t, s, "fish@example.com", "fish", principal.RoleUser, true)
	now := time.Now().UTC()
	for i, exp := range []time.Time{now.Add(-time.Hour), now.Add(-time.Millisecond), now.Add(time.Hour)} {
		rt := refreshToken{ID: uuid.NewString(), UserID: u.ID, FamilyID: "f", TokenHash: fmt.Sprint("p", i), ExpiresAt: exp}
		if err := s.insertRefresh(ctx, &rt); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.pruneRefresh(ctx, u.ID, now); err != nil {
		t.Fatal(err)
	}
	var left []refreshToken
	s.db.Where("user_id = ?", u.ID).Find(&left)
	if len(left) != 1 || left[0].TokenHash != "p2" {
		t.Errorf("after pruning: %+v", left)
	}
}

// TestNoSessionForAnInactiveAccount: a deactivation that lands between the
// password check and the session's creation wins; no session is created.
func TestNoSessionForAnInactiveAccount(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	u := addUser(t, s, "fish@example.com", "fish", principal.RoleUser, false)
	rt := refreshToken{ID: "rt", UserID: u.ID, FamilyID: "sess", TokenHash: "h", ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.createSession(ctx, &session{ID: "sess", UserID: u.ID, ExpiresAt: rt.ExpiresAt}, &rt); !errors.Is(err, errAccountInactive) {
		t.Fatalf("createSession for a deactivated account: %v", err)
	}
	if _, err := s.refreshByHash(ctx, "h"); !errors.Is(err, errNoRows) {
		t.Errorf("a refresh token was stored anyway: %v", err)
	}
}
