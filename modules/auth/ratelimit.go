package auth

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
	"github.com/redis/rueidis"
)

// slidingWindow counts requests in the current and the previous fixed
// window and weighs the previous one by how much of it still overlaps the
// sliding window ending now (the "sliding window counter"). It needs two
// counters per caller, never lets a caller double its rate across a window
// edge the way a fixed window does, and runs atomically in Redis so every
// replica shares one count. Refused requests are not counted.
var slidingWindow = rueidis.NewLuaScript(`
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local weight = (window - tonumber(ARGV[3])) / window
local curr = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
if prev * weight + curr + 1 > limit + 1e-9 then
  return {0, curr, prev}
end
curr = redis.call('INCR', KEYS[1])
if curr == 1 then
  redis.call('PEXPIRE', KEYS[1], 2 * window)
end
return {1, curr, prev}
`)

// verdict is one rate-limit decision.
type verdict struct {
	allowed    bool
	limit      int
	remaining  int
	reset      time.Duration // until the current window ends
	retryAfter time.Duration // when refused: until one more request fits
}

// limiter applies sliding-window limits kept in Redis.
type limiter struct {
	state  *sharedState
	window time.Duration
	now    func() time.Time
}

// allow counts one request for key against limit per window. ok is false
// when Redis could not be asked; the caller then lets the request through.
func (l *limiter) allow(ctx context.Context, key string, limit int) (v verdict, ok bool) {
	if l.state.client == nil || limit <= 0 {
		return verdict{allowed: true}, false
	}
	w := l.window.Milliseconds()
	nowMS := l.now().UnixMilli()
	idx := nowMS / w
	elapsed := nowMS - idx*w
	weight := float64(w-elapsed) / float64(w)
	// The braces keep both windows of a key on one Redis Cluster slot.
	base := "rl:{" + key + "}:"
	keys := []string{base + strconv.FormatInt(idx, 10), base + strconv.FormatInt(idx-1, 10)}
	// The script computes the weight itself from the same integers, so
	// Go and Lua agree on it to the last bit.
	args := []string{strconv.Itoa(limit), strconv.FormatInt(w, 10), strconv.FormatInt(elapsed, 10)}

	ctx, cancel := l.state.ctx(ctx)
	defer cancel()
	res, err := slidingWindow.Exec(ctx, l.state.client, keys, args).AsIntSlice()
	if err != nil || len(res) != 3 {
		l.state.outage("rate limit", err)
		return verdict{allowed: true}, false
	}
	curr, prev := float64(res[1]), float64(res[2])
	v = verdict{allowed: res[0] == 1, limit: limit, reset: time.Duration(w-elapsed) * time.Millisecond}
	if v.allowed {
		v.remaining = max(int(math.Floor(float64(limit)-prev*weight-curr+1e-9)), 0)
		return v, true
	}
	v.retryAfter = retryAfter(float64(limit), curr, prev, float64(w), float64(elapsed))
	return v, true
}

// retryAfter solves for the wait after which prev*weight+curr+1 <= limit:
// within this window if the current count alone leaves room, else in the
// next one, where this window's count becomes the decaying one.
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
