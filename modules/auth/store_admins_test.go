package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/principal"
)

// TestLastAdminSurvivesConcurrentChanges: n admins, and at the same
// moment every one of them is demoted or deactivated. Exactly one change
// must fail with errLastAdmin, whatever the interleaving, on Postgres and
// on SQLite; the check-then-act it replaces let all n through.
func TestLastAdminSurvivesConcurrentChanges(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	user, off := principal.RoleUser, false
	const n = 8
	for round := range 4 {
		// Only this round's admins are active admins.
		if err := s.db.Exec("UPDATE users SET role = ?", principal.RoleUser).Error; err != nil {
			t.Fatal(err)
		}
		ids := make([]string, n)
		for i := range ids {
			ids[i] = addUser(t, s, fmt.Sprintf("a%d-%d@example.com", round, i), fmt.Sprintf("admin-%d-%d", round, i),
				principal.RoleAdmin, true).ID
		}
		start := make(chan struct{})
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var err error
				if i%2 == 0 {
					_, err = s.changeAccount(ctx, id, nil, &user)
				} else {
					_, err = s.changeAccount(ctx, id, &off, nil)
				}
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		changed, refused := 0, 0
		for err := range errs {
			switch {
			case err == nil:
				changed++
			case errors.Is(err, errLastAdmin):
				refused++
			default:
				t.Errorf("round %d: %v", round, err)
			}
		}
		if left, err := s.activeAdmins(ctx, ""); err != nil || left != 1 || changed != n-1 || refused != 1 {
			t.Fatalf("round %d: %d changed, %d refused, %d active admins left (%v); want %d, 1, 1", round, changed, refused, left, err, n-1)
		}
	}
}

// TestChangeAccountDeactivationRevokesEverything: sessions, refresh tokens
// and API keys end in the same transaction as the deactivation, and stay
// ended when the account is reactivated.
func TestChangeAccountDeactivationRevokesEverything(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	u := addUser(t, s, "cam@example.com", "camera", principal.RoleUser, true)
	rt := refreshToken{ID: "rt", UserID: u.ID, FamilyID: "sess", TokenHash: "h", ExpiresAt: s.timestamp().Add(time.Hour)}
	if err := s.createSession(ctx, &session{ID: "sess", UserID: u.ID, ExpiresAt: rt.ExpiresAt}, &rt); err != nil {
		t.Fatal(err)
	}
	k := apiKey{ID: "k1", UserID: u.ID, Name: "pier", Prefix: "aqk_000000000001", SecretHash: "hash"}
	if err := s.insertKey(ctx, &k); err != nil {
		t.Fatal(err)
	}
	off, on := false, true
	res, err := s.changeAccount(ctx, u.ID, &off, nil)
	if err != nil || res.user.IsActive || len(res.ended) != 1 || res.ended[0] != "sess" ||
		len(res.keys) != 1 || res.keys[0].Prefix != k.Prefix || !res.keys[0].Revoked || res.keys[0].IsActive {
		t.Fatalf("deactivation: %+v, %v", res, err)
	}
	if res, err = s.changeAccount(ctx, u.ID, &on, nil); err != nil || !res.user.IsActive || len(res.ended) != 0 {
		t.Fatalf("reactivation: %+v, %v", res, err)
	}
	if row, _ := s.tokenState(ctx, u.ID, "sess"); row.RevokedAt == nil {
		t.Error("the session came back with the account")
	}
	if got, _ := s.refreshByHash(ctx, "h"); !got.Revoked {
		t.Error("the refresh token came back with the account")
	}
	if got, _ := s.keyByPrefix(ctx, k.Prefix); !got.Revoked || !got.IsActive {
		t.Errorf("the API key after reactivation: %+v", got)
	}
	if _, err := s.changeAccount(ctx, "nobody", &off, nil); !errors.Is(err, errNoRows) {
		t.Errorf("unknown account: %v", err)
	}
}
