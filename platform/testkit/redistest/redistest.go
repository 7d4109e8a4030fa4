// Package redistest gives each test its own Redis: a private logical
// database on the server named by TEST_REDIS_URL (leased, flushed before
// and after), or a fresh in-process server when it is unset. Tests may
// FLUSHDB freely without disturbing test packages running beside them.
package redistest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/redis"
	"github.com/redis/rueidis"
)

// lease DBs 1..15; DB 0 holds only the leases.
const firstDB, lastDB = 1, 15

// URL returns a REDIS_URL for a test App ("" for in-process) that no other
// test uses at the same time.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_REDIS_URL")
	if base == "" {
		return ""
	}
	ctx := context.Background()
	opt, err := rueidis.ParseURL(base)
	if err != nil {
		t.Fatalf("redistest: TEST_REDIS_URL: %v", err)
	}
	opt.SelectDB, opt.DisableCache = 0, true
	ctl, err := rueidis.NewClient(opt)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	owner := fmt.Sprintf("%d-%s", os.Getpid(), t.Name())
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for n := firstDB; n <= lastDB; n++ {
			key := "aquaml-test-lease:" + strconv.Itoa(n)
			ok, err := ctl.Do(ctx, ctl.B().Set().Key(key).Value(owner).Nx().Ex(10*time.Minute).Build()).AsBool()
			if err != nil && !rueidis.IsRedisNil(err) {
				t.Fatalf("redistest: lease: %v", err)
			}
			if !ok {
				continue
			}
			u := withDB(t, base, n)
			flush(ctx, t, u)
			t.Cleanup(func() {
				flush(ctx, t, u)
				ctl.Do(ctx, ctl.B().Del().Key(key).Build())
				ctl.Close()
			})
			return u
		}
		if time.Now().After(deadline) {
			t.Fatal("redistest: no free Redis database after 2 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// New returns a connected Redis for the test, closed afterwards.
func New(t testing.TB) *redis.Redis {
	t.Helper()
	r, err := redis.Open(redis.Options{URL: URL(t), PoolSize: 4})
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func flush(ctx context.Context, t testing.TB, u string) {
	r, err := redis.Open(redis.Options{URL: u})
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	defer r.Close()
	if err := r.Client.Do(ctx, r.Client.B().Flushdb().Build()).Error(); err != nil {
		t.Fatalf("redistest: flushdb: %v", err)
	}
}

func withDB(t testing.TB, raw string, db int) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("redistest: TEST_REDIS_URL: %v", err)
	}
	u.Path = "/" + strconv.Itoa(db)
	return u.String()
}
