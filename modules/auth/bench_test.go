package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/aquaml/aquaml/platform/testkit/dbtest"
	"github.com/aquaml/aquaml/platform/testkit/redistest"
	"github.com/labstack/echo/v4"
)

// BenchmarkPasswordCheck is the bcrypt work of one login attempt at each
// cost; the unknown-account case must cost the same (the dummy hash).
func BenchmarkPasswordCheck(b *testing.B) {
	for _, cost := range []int{4, 10, 12} {
		h, err := newHasher(cost)
		if err != nil {
			b.Fatal(err)
		}
		hash, _ := h.hash("correct horse battery")
		for _, c := range []struct{ name, hash string }{{"wrong_password", hash}, {"unknown_account", ""}} {
			b.Run(fmt.Sprintf("cost=%d/%s", cost, c.name), func(b *testing.B) {
				for b.Loop() {
					if ok, _ := h.check(c.hash, "not the password"); ok {
						b.Fatal("accepted")
					}
				}
			})
		}
	}
}

// BenchmarkLogin is a whole successful login at the production cost 12:
// account look-up, two rate-limit checks, bcrypt, refresh token insert,
// JWT signing. Database and Redis per the TEST_* variables.
func BenchmarkLogin(b *testing.B) {
	m := benchModule(b, func(c *config.Auth) { c.BcryptCost = 12; c.LoginRatePerMinute = 1 << 30 })
	ctx := context.Background()
	if _, err := m.CreateUser(ctx, NewUser{Email: "fish@example.com", Username: "fish", Password: "swimming-1"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := m.svc.login(ctx, origin{client: "203.0.113.1", peer: "203.0.113.1"}, "fish", "swimming-1"); err != nil {
			b.Fatal(err)
		}
	}
}

func benchModule(b *testing.B, edit func(*config.Auth)) *Module {
	b.Helper()
	cfg := testAuthConfig()
	if edit != nil {
		edit(&cfg)
	}
	m, err := New(Deps{DB: dbtest.New(b).DB, Redis: redistest.New(b).Client, Auth: cfg, APIRatePerMinute: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkAuthMiddleware is what authentication adds to a request: the
// same no-op handler bare and behind Identify+RateLimit+RequireUser, for
// an access token and an API key, each checked against its Redis cache
// entry (session and account, or key and owner) after the first request,
// plus the rate limit's round trip. ns/op is wall time, mostly waiting
// for Redis; cpu-ns/op is the CPU this process spent per request, which
// includes the in-process Redis and SQLite when TEST_* are unset.
func BenchmarkAuthMiddleware(b *testing.B) {
	m := benchModule(b, nil)
	ctx := context.Background()
	u, err := m.CreateUser(ctx, NewUser{Email: "fish@example.com", Username: "fish", Password: "swimming-1"})
	if err != nil {
		b.Fatal(err)
	}
	pair, err := m.svc.startSession(ctx, User{ID: u.ID, Role: u.Role}, "bench-session")
	if err != nil {
		b.Fatal(err)
	}
	key, err := m.svc.createKey(ctx, principal.Principal{ID: u.ID, Method: principal.MethodToken}, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	e := echo.New()
	e.GET("/bare", ok)
	g := e.Group("/api", m.Identify(), m.RateLimit())
	g.GET("/me", ok, m.RequireUser())
	for _, c := range []struct{ name, path, credential string }{
		{"bare", "/bare", ""},
		{"token", "/api/me", pair.AccessToken},
		{"api_key", "/api/me", key.Key},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", c.path, nil)
			if c.credential != "" {
				req.Header.Set("Authorization", "Bearer "+c.credential)
			}
			cpu0, measured := processCPU()
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				if rec.Code != http.StatusNoContent {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			if cpu1, ok := processCPU(); ok && measured {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
		// Concurrent requests share Redis round trips (rueidis pipelines
		// them on one connection), as they do in a busy server.
		b.Run(c.name+"/parallel", func(b *testing.B) {
			cpu0, measured := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("GET", c.path, nil)
				if c.credential != "" {
					req.Header.Set("Authorization", "Bearer "+c.credential)
				}
				for pb.Next() {
					rec := httptest.NewRecorder()
					e.ServeHTTP(rec, req)
					if rec.Code != http.StatusNoContent {
						b.Errorf("status %d: %s", rec.Code, rec.Body)
						return
					}
				}
			})
			if cpu1, ok := processCPU(); ok && measured {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
