package auth

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
	"github.com/redis/rueidis"
)

// verdict is one rate-limit decision.
type verdict struct {
	allowed    bool
	limit      int
	remaining  int
	reset      time.Duration // until the current window ends
	retryAfter time.Duration // when refused: until one more request fits
}

// limiter applies "sliding window counter" limits kept in Redis. Each
// caller has a counter per fixed window; the count that matters is this
// window's plus the previous window's weighted by how much of it still
// overlaps the sliding window ending now. That takes two small keys per
// caller and, unlike a plain fixed window, never lets a caller double its
// rate across a window edge. One round trip increments this window and
// reads the previous one (INCR, PEXPIRE, GET, pipelined), so every replica
// shares one count. Refused requests count too: a client that ignores
// Retry-After stays refused.
type limiter struct {
	state  *sharedState
	window time.Duration
	now    func() time.Time
}

// allow counts one request for key against limit per window. ok is false
// when Redis could not be asked; the caller then lets the request through.
func (l *limiter) allow(ctx context.Context, key string, limit int) (v verdict, ok bool) {
	if !l.state.usable() || limit <= 0 {
		return verdict{allowed: true}, false
	}
	w := l.window.Milliseconds()
	nowMS := l.now().UnixMilli()
	idx := nowMS / w
	elapsed := nowMS - idx*w
	weight := float64(w-elapsed) / float64(w)
	// The braces keep both windows of a key on one Redis Cluster slot.
	base := "rl:{" + key + "}:"
	curKey, prevKey := base+strconv.FormatInt(idx, 10), base+strconv.FormatInt(idx-1, 10)

	ctx, cancel := l.state.ctx(ctx)
	defer cancel()
	c := l.state.client
	res := c.DoMulti(ctx,
		c.B().Incr().Key(curKey).Build(),
		c.B().Pexpire().Key(curKey).Milliseconds(2*w).Build(),
		c.B().Get().Key(prevKey).Build())
	cur, err := res[0].AsInt64()
	if err == nil {
		err = res[1].Error()
	}
	prev, perr := res[2].AsInt64()
	if rueidis.IsRedisNil(perr) {
		prev, perr = 0, nil
	}
	if err = errors.Join(err, perr); err != nil {
		l.state.outage("rate limit", err)
		return verdict{allowed: true}, false
	}
	count := float64(prev)*weight + float64(cur)
	v = verdict{allowed: count <= float64(limit)+1e-9, limit: limit, reset: time.Duration(w-elapsed) * time.Millisecond}
	if v.allowed {
		v.remaining = max(int(math.Floor(float64(limit)-count+1e-9)), 0)
		return v, true
	}
	v.retryAfter = retryAfter(float64(limit), float64(cur), float64(prev), float64(w), float64(elapsed))
	return v, true
}

// retryAfter solves for the wait after which one more request fits,
// prev*weight+curr+1 <= limit, if nothing is sent meanwhile: within this
// window if the current count alone leaves room, else in the next one,
// where this window's count becomes the decaying one.
func retryAfter(limit, curr, prev, w, elapsed float64) time.Duration {
	var ms float64
	if curr+1 <= limit && prev > 0 {
		ms = (w - elapsed) - (limit-1-curr)*w/prev
	} else {
		ms = (w - elapsed) + w*(1-(limit-1)/max(curr, 1))
	}
	// Whole milliseconds, rounded up: waiting exactly this long is enough.
	return time.Duration(math.Max(math.Ceil(ms-1e-9), 1)) * time.Millisecond
}

func rateLimited(v verdict, what string) error {
	e := apperr.New(apperr.RateLimited, "rate_limited", "too many "+what+"; retry after the time in Retry-After")
	e.RetryAfter = v.retryAfter
	return e
}

// RateLimit limits API requests per caller: per user for access tokens,
// per key for API keys, per client IP for everything else. It must run
// after Identify so it knows the caller. Every answer carries the
// X-RateLimit-* headers; Redis being down lets requests through.
func (m *Module) RateLimit() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if m.apiLimit <= 0 {
			return next
		}
		return func(c echo.Context) error {
			key := "api:ip:" + c.RealIP()
			if p, ok := principal.From(c.Request().Context()); ok {
				key = "api:user:" + p.ID
				if p.Method == principal.MethodAPIKey {
					key = "api:key:" + p.KeyID
				}
			}
			v, ok := m.limiter.allow(c.Request().Context(), key, m.apiLimit)
			if ok {
				h := c.Response().Header()
				h.Set("X-RateLimit-Limit", strconv.Itoa(v.limit))
				h.Set("X-RateLimit-Remaining", strconv.Itoa(v.remaining))
				h.Set("X-RateLimit-Reset", strconv.Itoa(ceilSeconds(v.reset)))
				if !v.allowed {
					return rateLimited(v, "requests")
				}
			}
			return next(c)
		}
	}
}

func ceilSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}
