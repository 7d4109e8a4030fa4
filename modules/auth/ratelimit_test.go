package auth

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aquaml/aquaml/platform/redis"
	"github.com/aquaml/aquaml/platform/testkit/redistest"
)

// The limiter tests run on the in-process Redis by default and on the
// server named by TEST_REDIS_URL when set: the same contract on both.

func newTestLimiter(t *testing.T, clock *fixedClock) *limiter {
	t.Helper()
	r := redistest.New(t)
	return &limiter{state: &sharedState{client: r.Client, log: slog.Default()}, window: time.Minute, now: clock.now}
}

func TestLimiterCountsAndRefuses(t *testing.T) {
	ctx := context.Background()
	// 10s into a window, with an empty previous window.
	clock := &fixedClock{time.UnixMilli(1_000 * 60_000).Add(10 * time.Second)}
	l := newTestLimiter(t, clock)
	for i := range 3 {
		v, ok := l.allow(ctx, "k", 3)
		if !ok || !v.allowed || v.remaining != 2-i || v.limit != 3 {
			t.Fatalf("request %d: %+v ok=%v", i+1, v, ok)
		}
		if v.reset != 50*time.Second {
			t.Errorf("reset %v, want the 50s left in the window", v.reset)
		}
	}
	v, ok := l.allow(ctx, "k", 3)
	if !ok || v.allowed || v.remaining != 0 {
		t.Fatalf("fourth request: %+v", v)
	}
	// The previous window was empty, so room comes back only when this
	// window's four requests (the refused one counts) have mostly slid
	// out: 50s to the end of the window + 60s*(1-2/4) = 80s.
	if v.retryAfter != 80*time.Second {
		t.Errorf("retryAfter %v, want 80s", v.retryAfter)
	}
	if v, _ := l.allow(ctx, "other", 3); !v.allowed {
		t.Error("another key shares the count")
	}
}

func TestLimiterSlidesAcrossTheWindowEdge(t *testing.T) {
	ctx := context.Background()
	start := time.UnixMilli(2_000 * 60_000) // a window boundary
	clock := &fixedClock{start.Add(59 * time.Second)}
	l := newTestLimiter(t, clock)
	for range 4 {
		if v, _ := l.allow(ctx, "k", 4); !v.allowed {
			t.Fatal("refused within the limit")
		}
	}
	// A fixed window would allow four more one second later; the sliding
	// window still counts the previous window almost fully.
	clock.t = start.Add(60 * time.Second)
	v, _ := l.allow(ctx, "k", 4)
	if v.allowed {
		t.Fatal("the limit doubled across the window edge")
	}
	// 4 requests weigh 4*(60-x)/60 after x seconds, plus the refused one
	// and the next: room at 4*(60-x)/60 + 2 <= 4, x = 30s.
	if v.retryAfter != 30*time.Second {
		t.Errorf("retryAfter %v, want 30s", v.retryAfter)
	}
	clock.t = clock.t.Add(v.retryAfter)
	if v, _ := l.allow(ctx, "k", 4); !v.allowed {
		t.Errorf("refused when Retry-After elapsed: %+v", v)
	}
	// Two windows later nothing of the old counts remains.
	clock.t = start.Add(3 * time.Minute)
	if v, _ := l.allow(ctx, "k", 4); !v.allowed || v.remaining != 3 {
		t.Errorf("after two quiet windows: %+v", v)
	}
}

func TestLimiterRetryAfterIsExact(t *testing.T) {
	// Whatever the counts, a client that waits retryAfter gets through,
	// and one that comes back a little earlier does not.
	ctx := context.Background()
	for _, tc := range []struct{ limit, prevCount, offsetS int }{
		{5, 0, 0}, {5, 5, 5}, {5, 3, 30}, {10, 7, 42}, {1, 1, 59}, {2, 9, 1}, {3, 2, 58},
	} {
		base := time.UnixMilli(int64(3_000+tc.limit*10+tc.prevCount) * 60_000)
		clock := &fixedClock{}
		l := newTestLimiter(t, clock)
		// Two callers driven identically, one retrying early, one on time.
		var waits [2]time.Duration
		var refusedAt time.Time
		for i, key := range []string{"early", "on-time"} {
			clock.t = base.Add(-30 * time.Second)
			for range tc.prevCount {
				l.allow(ctx, key, 1_000) // fill the previous window, no limit in the way
			}
			clock.t = base.Add(time.Duration(tc.offsetS) * time.Second)
			v := verdict{allowed: true}
			for v.allowed {
				v, _ = l.allow(ctx, key, tc.limit)
			}
			waits[i], refusedAt = v.retryAfter, clock.t
		}
		if waits[0] != waits[1] {
			t.Fatalf("%+v: same history, different waits %v", tc, waits)
		}
		clock.t = refusedAt.Add(waits[0] - 5*time.Millisecond)
		if w, _ := l.allow(ctx, "early", tc.limit); w.allowed {
			t.Errorf("%+v: allowed 5ms before retryAfter %v", tc, waits[0])
		}
		clock.t = refusedAt.Add(waits[1])
		if w, _ := l.allow(ctx, "on-time", tc.limit); !w.allowed {
			t.Errorf("%+v: refused after retryAfter %v", tc, waits[1])
		}
	}
}

func TestLimiterFailsOpenWhenRedisIsDown(t *testing.T) {
	server := miniredis.NewMiniRedis()
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	r, err := redis.Open(redis.Options{URL: "redis://" + server.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var logs bytes.Buffer
	state := &sharedState{client: r.Client, log: slog.New(slog.NewTextHandler(&logs, nil)), pause: 100 * time.Millisecond}
	l := &limiter{state: state, window: time.Minute, now: time.Now}
	if v, ok := l.allow(context.Background(), "k", 1); !ok || !v.allowed {
		t.Fatalf("with Redis up: %+v %v", v, ok)
	}
	server.Close() // the outage: the client stays, the server is gone

	start := time.Now()
	for range 50 {
		v, ok := l.allow(context.Background(), "k", 1)
		if ok || !v.allowed {
			t.Fatalf("with Redis down: allowed=%v ok=%v, want a pass without a verdict", v.allowed, ok)
		}
	}
	if _, _, cached := state.tokenState(context.Background(), "sid", "user"); cached {
		t.Error("with Redis down, the token check reported cached state")
	}
	if took := time.Since(start); took > 5*redisTimeout {
		t.Errorf("51 calls against a dead Redis took %v", took)
	}
	if n := strings.Count(logs.String(), "redis unavailable"); n != 1 {
		t.Errorf("logged the outage %d times, want once (throttled):\n%s", n, logs.String())
	}

	// Back after the pause once Redis is.
	if err := server.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := l.allow(context.Background(), "k", 1); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the limiter did not resume after Redis came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
