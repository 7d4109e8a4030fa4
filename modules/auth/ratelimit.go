package auth

import (
	"context"
	"errors"
	"math"
	"net/http"
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

// count is one sliding-window count being taken: the commands that take
// it and what reading their answers needs. Splitting allow this way lets a
// count ride in the same round trip as other commands.
type count struct {
	cur, prev  string // this and the previous window's counter
	w, elapsed int64  // window length, and how far into it we are, in ms
	limit      int
}

// begin prepares a count of one request for key against limit.
func (l *limiter) begin(key string, limit int) count {
	w := l.window.Milliseconds()
	nowMS := l.now().UnixMilli()
	idx := nowMS / w
	// The braces keep both windows of a key on one Redis Cluster slot.
	base := "rl:{" + key + "}:"
	return count{cur: base + strconv.FormatInt(idx, 10), prev: base + strconv.FormatInt(idx-1, 10),
		w: w, elapsed: nowMS - idx*w, limit: limit}
}

// commands increments this window and reads the previous one.
func (l *limiter) commands(ct count) rueidis.Commands {
	c := l.state.client
	return rueidis.Commands{
		c.B().Incr().Key(ct.cur).Build(),
		c.B().Pexpire().Key(ct.cur).Milliseconds(2 * ct.w).Build(),
		c.B().Get().Key(ct.prev).Build(),
	}
}

// undo takes back a count whose request turned out to belong to somebody
// else (a credential that failed its check).
func (l *limiter) undo(ctx context.Context, ct count) {
	ctx, cancel := l.state.ctx(ctx)
	defer cancel()
	if err := l.state.client.Do(ctx, l.state.client.B().Decr().Key(ct.cur).Build()).Error(); err != nil {
		l.state.outage("rate limit", err)
	}
}

// finish reads the answers to ct's commands. ok is false when Redis did
// not answer; the caller then lets the request through.
func (l *limiter) finish(ct count, res []rueidis.RedisResult) (v verdict, ok bool) {
	if len(res) < 3 {
		return verdict{allowed: true}, false
	}
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
	w, elapsed, limit := ct.w, ct.elapsed, ct.limit
	weight := float64(w-elapsed) / float64(w)
	n := float64(prev)*weight + float64(cur)
	v = verdict{allowed: n <= float64(limit)+1e-9, limit: limit, reset: time.Duration(w-elapsed) * time.Millisecond}
	if v.allowed {
		v.remaining = max(int(math.Floor(float64(limit)-n+1e-9)), 0)
		return v, true
	}
	v.retryAfter = retryAfter(float64(limit), float64(cur), float64(prev), float64(w), float64(elapsed))
	return v, true
}

// allow counts one request for key against limit per window. ok is false
// when Redis could not be asked; the caller then lets the request through.
func (l *limiter) allow(ctx context.Context, key string, limit int) (v verdict, ok bool) {
	if !l.state.usable() || limit <= 0 {
		return verdict{allowed: true}, false
	}
	ct := l.begin(key, limit)
	ctx, cancel := l.state.ctx(ctx)
	defer cancel()
	return l.finish(ct, l.state.client.DoMulti(ctx, l.commands(ct)...))
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

// userBucket and keyBucket name the API budgets of a user (for access
// tokens) and of an API key.
func userBucket(userID string) string { return "api:user:" + userID }
func keyBucket(prefix string) string  { return "api:key:" + prefix }

// RateLimit limits API requests per caller: per user for access tokens,
// per key for API keys (each key with its own budget), per client IP for
// everything else. It must run after Identify (or RequireUser), which
// takes the caller's count in the same Redis round trip as the credential
// check. Every answer carries the X-RateLimit-* headers; Redis being down
// lets requests through.
func (m *Module) RateLimit() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if m.apiLimit <= 0 {
			return next
		}
		return func(c echo.Context) error {
			var (
				v  verdict
				ok bool
			)
			p, known := principal.From(c.Request().Context())
			ch, _ := c.Get(chargeKey).(*charge)
			switch {
			case known && ch != nil:
				v, ok = ch.v, ch.ok
			case known:
				v, ok = m.limiter.allow(c.Request().Context(), userBucket(p.ID), m.apiLimit)
			default:
				v, ok = m.limiter.allow(c.Request().Context(), "api:ip:"+c.RealIP(), m.apiLimit)
			}
			if ok {
				// Refused, the reset is when the next request fits, the
				// same second count as Retry-After: a client that waits
				// either one is let in.
				reset := v.reset
				if !v.allowed {
					reset = v.retryAfter
				}
				h := c.Response().Header()
				h.Set("X-RateLimit-Limit", strconv.Itoa(v.limit))
				h.Set("X-RateLimit-Remaining", strconv.Itoa(v.remaining))
				h.Set("X-RateLimit-Reset", strconv.Itoa(ceilSeconds(reset)))
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

// PhotoReadScale is how many times the API budget a caller may spend on
// fetching their own stored photos: a history page shows 20 of them.
const PhotoReadScale = 10

// budgetOf is the budget a request is counted against.
func (m *Module) budgetOf(r *http.Request) budget {
	if m.photos != nil && m.photos(r) {
		return budget{rate: m.apiLimit * PhotoReadScale, scale: PhotoReadScale, suffix: ":photos"}
	}
	return budget{rate: m.apiLimit, scale: 1}
}
