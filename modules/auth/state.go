package auth

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"
)

// Redis keys. The state here is shared by every replica: a logout on one
// is seen by all.
const (
	denyKey    = "auth:deny:"    // + jti: revoked access token
	sessionKey = "auth:session:" // + refresh family: every access token of a signed-out session
	userKey    = "auth:user:"    // + user id: cached "is the account active, which role"
	// userStateTTL bounds how long a cached account state may be stale if
	// an invalidation is lost; invalidations make changes visible at once.
	userStateTTL = 5 * time.Second
	// redisTimeout keeps a Redis outage from stalling requests: every
	// call gives up after this and the request carries on without it.
	redisTimeout = 200 * time.Millisecond
	// redisPause is how long calls are skipped after Redis failed to
	// answer, so an outage costs one timeout per pause, not one per call.
	redisPause = time.Second
)

// sharedState is the auth state kept in Redis: revoked access tokens,
// signed-out sessions and a short cache of account state. A nil client
// turns it off (the user command runs without Redis). Every method fails
// open: on a Redis error it logs and behaves as if nothing were stored,
// and account state is then read from the database. After a failure it
// stops trying for a moment, so an outage adds at most one timeout per
// pause instead of one per call.
type sharedState struct {
	client    rueidis.Client
	log       *slog.Logger
	warned    atomic.Int64  // unix nanos of the last outage warning
	downUntil atomic.Int64  // unix nanos; calls are skipped before it
	pause     time.Duration // 0 means redisPause
}

// accountState is what every authenticated request needs to know.
type accountState struct {
	active bool
	role   string
}

func (a accountState) encode() string {
	if a.active {
		return "1" + a.role
	}
	return "0" + a.role
}

func decodeState(s string) (accountState, bool) {
	if len(s) < 2 || (s[0] != '0' && s[0] != '1') {
		return accountState{}, false
	}
	return accountState{active: s[0] == '1', role: s[1:]}, true
}

// usable reports whether Redis calls should be tried at all.
func (s *sharedState) usable() bool {
	return s.client != nil && time.Now().UnixNano() >= s.downUntil.Load()
}

// outage records a failed call. Unless Redis itself answered with an
// error (a bug, not an outage), calls pause for redisPause. It logs at
// most every ten seconds, so an outage does not write a line per request.
func (s *sharedState) outage(what string, err error) {
	now := time.Now().UnixNano()
	if _, replied := rueidis.IsRedisErr(err); !replied {
		pause := s.pause
		if pause == 0 {
			pause = redisPause
		}
		s.downUntil.Store(now + int64(pause))
	}
	last := s.warned.Load()
	if now-last > int64(10*time.Second) && s.warned.CompareAndSwap(last, now) {
		s.log.Warn("redis unavailable; auth continues without it (fail open)", "operation", what, "error", err)
	}
}

func (s *sharedState) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(parent), redisTimeout)
}

// lookup reads, in one round trip, whether the token or its session was
// revoked and the cached state of its user (ok false when not cached).
func (s *sharedState) lookup(ctx context.Context, jti, sid, userID string) (revoked bool, st accountState, ok bool) {
	if !s.usable() {
		return false, accountState{}, false
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	keys := []string{userKey + userID, denyKey + jti}
	if sid != "" {
		keys = append(keys, sessionKey+sid)
	}
	vals, err := s.client.Do(ctx, s.client.B().Mget().Key(keys...).Build()).ToArray()
	if err != nil {
		s.outage("token check", err)
		return false, accountState{}, false
	}
	for i := 1; i < len(vals); i++ {
		if !vals[i].IsNil() {
			revoked = true
		}
	}
	if len(vals) > 0 && !vals[0].IsNil() {
		raw, _ := vals[0].ToString()
		st, ok = decodeState(raw)
	}
	return revoked, st, ok
}

func (s *sharedState) cacheUser(ctx context.Context, userID string, st accountState) {
	if !s.usable() {
		return
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	cmd := s.client.B().Set().Key(userKey + userID).Value(st.encode()).Px(userStateTTL).Build()
	if err := s.client.Do(ctx, cmd).Error(); err != nil {
		s.outage("cache account", err)
	}
}

// forgetUser drops the cached state so the next request reads the
// database: a deactivation or role change takes effect at once.
func (s *sharedState) forgetUser(ctx context.Context, userID string) {
	if !s.usable() {
		return
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if err := s.client.Do(ctx, s.client.B().Del().Key(userKey+userID).Build()).Error(); err != nil {
		s.outage("forget account", err)
	}
}

// deny revokes one access token until it would have expired anyway.
func (s *sharedState) deny(ctx context.Context, jti string, ttl time.Duration) {
	s.setAll(ctx, "revoke token", []string{denyKey + jti}, ttl)
}

// endSessions revokes every access token issued in the given sessions.
func (s *sharedState) endSessions(ctx context.Context, sids []string, ttl time.Duration) {
	keys := make([]string, 0, len(sids))
	for _, sid := range sids {
		if sid = strings.TrimSpace(sid); sid != "" {
			keys = append(keys, sessionKey+sid)
		}
	}
	s.setAll(ctx, "end sessions", keys, ttl)
}

func (s *sharedState) setAll(ctx context.Context, what string, keys []string, ttl time.Duration) {
	if !s.usable() || len(keys) == 0 {
		return
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	cmds := make(rueidis.Commands, 0, len(keys))
	for _, k := range keys {
		cmds = append(cmds, s.client.B().Set().Key(k).Value("1").Px(max(ttl, time.Second)).Build())
	}
	for _, res := range s.client.DoMulti(ctx, cmds...) {
		if err := res.Error(); err != nil {
			s.outage(what, err)
			return
		}
	}
}
