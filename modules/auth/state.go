package auth

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"
)

// Redis keys. They cache what the database says, shared by every replica;
// the database stays the source of truth, so losing them (a flush, a
// restart of the in-process Redis, an outage) costs database reads, never
// a revocation.
const (
	sessionKey = "auth:sess:" // + session id: live (with its user and expiry) or ended
	userKey    = "auth:user:" // + user id: is the account active, which role
	apiKeyKey  = "auth:key:"  // + API key prefix: the key and its owner's state, or none
	// cacheTTL bounds how long a cached positive state may outlive a
	// change whose cache update was lost (Redis failed just then). Changes
	// overwrite the entries, so normally they take effect at once.
	cacheTTL = 5 * time.Second
	// redisTimeout keeps a Redis outage from stalling requests: every
	// call gives up after this and the request carries on without it.
	redisTimeout = 200 * time.Millisecond
	// redisPause is how long calls are skipped after Redis failed to
	// answer, so an outage costs one timeout per pause, not one per call.
	redisPause = time.Second
)

// sharedState is the auth state kept in Redis: rate-limit counters and a
// short cache of sessions, accounts and API keys. A nil client turns it
// off (the user command runs without Redis). On a Redis error a read
// reports nothing cached, so the caller asks the database, and a write is
// dropped; after a failure calls are skipped for a moment, so an outage
// adds at most one timeout per pause instead of one per call.
//
// Cache entries are filled with SET NX and changed with a plain SET: a
// request that read the database just before a revocation cannot put the
// old state back over the revoked one.
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

// sessionState is a session as access tokens need it. A session that does
// not exist (never did, or was pruned) is ended.
type sessionState struct {
	ended   bool
	userID  string
	expires time.Time
}

func (s sessionState) encode() string {
	if s.ended {
		return "0"
	}
	return "1" + strconv.FormatInt(s.expires.UnixMilli(), 10) + " " + s.userID
}

func decodeSession(v string) (sessionState, bool) {
	if v == "0" {
		return sessionState{ended: true}, true
	}
	ms, user, ok := strings.Cut(strings.TrimPrefix(v, "1"), " ")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || len(v) < 2 || v[0] != '1' || user == "" {
		return sessionState{}, false
	}
	return sessionState{userID: user, expires: time.UnixMilli(n)}, true
}

// encodeKey caches an API key with its owner's state; a nil key means
// there is no key with the prefix. Fields hold no commas (ids, a hex hash,
// a role, a number).
func encodeKey(k *keyOwner) string {
	if k == nil {
		return "-"
	}
	flags := []byte("l0")
	if k.Revoked {
		flags[0] = 'r'
	}
	if k.IsActive {
		flags[1] = '1'
	}
	return string(flags) + k.Role + "," + k.ID + "," + k.UserID + "," + k.SecretHash + "," + strconv.Itoa(k.RateLimitPerMinute)
}

// decodeKey reads an encodeKey value: found false for "no such key".
func decodeKey(v string) (k keyOwner, found, ok bool) {
	if v == "-" {
		return keyOwner{}, false, true
	}
	if len(v) < 3 || (v[0] != 'l' && v[0] != 'r') || (v[1] != '0' && v[1] != '1') {
		return keyOwner{}, false, false
	}
	k.Revoked, k.IsActive = v[0] == 'r', v[1] == '1'
	var rest string
	k.Role, rest, _ = strings.Cut(v[2:], ",")
	k.ID, rest, _ = strings.Cut(rest, ",")
	k.UserID, rest, _ = strings.Cut(rest, ",")
	var rate string
	k.SecretHash, rate, ok = strings.Cut(rest, ",")
	n, err := strconv.Atoi(rate)
	k.RateLimitPerMinute = n
	return k, true, ok && err == nil && n >= 0 && k.ID != "" && k.UserID != "" && k.SecretHash != ""
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
		s.log.Warn("redis unavailable; auth continues without it (credentials are checked in the database, login and API rate limits are off)",
			"operation", what, "error", err)
	}
}

func (s *sharedState) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(parent), redisTimeout)
}

// get reads keys in one round trip, with extra commands riding along
// (a rate-limit count), and returns the answers to extra; vals[i] is ""
// where nothing usable is cached (missing, or Redis unreachable), and the
// answers are nil when Redis was not asked.
func (s *sharedState) get(ctx context.Context, what string, vals []string, extra rueidis.Commands, keys ...string) []rueidis.RedisResult {
	if !s.usable() {
		return nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	cmd := s.client.B().Get().Key(keys[0]).Build()
	if len(keys) > 1 {
		cmd = s.client.B().Mget().Key(keys...).Build()
	}
	res := s.client.DoMulti(ctx, append(rueidis.Commands{cmd}, extra...)...)
	if len(keys) == 1 {
		v, err := res[0].ToString()
		if err != nil && !rueidis.IsRedisNil(err) {
			s.outage(what, err)
		}
		vals[0] = v
		return res[1:]
	}
	arr, err := res[0].ToArray()
	if err != nil {
		s.outage(what, err)
		return res[1:]
	}
	for i := range min(len(arr), len(vals)) {
		vals[i], _ = arr[i].ToString()
	}
	return res[1:]
}

// entry is one cache write.
type entry struct {
	key, value string
	ttl        time.Duration
}

// set writes entries in one round trip; fill (NX) never replaces what is
// there, so only a change overwrites.
func (s *sharedState) set(ctx context.Context, what string, fill bool, entries ...entry) {
	if !s.usable() || len(entries) == 0 {
		return
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	cmds := make(rueidis.Commands, 0, len(entries))
	for _, e := range entries {
		ttl := max(e.ttl, time.Second)
		if fill {
			cmds = append(cmds, s.client.B().Set().Key(e.key).Value(e.value).Nx().Px(ttl).Build())
		} else {
			cmds = append(cmds, s.client.B().Set().Key(e.key).Value(e.value).Px(ttl).Build())
		}
	}
	for _, res := range s.client.DoMulti(ctx, cmds...) {
		if err := res.Error(); err != nil && !rueidis.IsRedisNil(err) {
			s.outage(what, err)
			return
		}
	}
}

// tokenState reads the cached session and account of an access token; ok
// is false unless both are cached.
func (s *sharedState) tokenState(ctx context.Context, sid, userID string) (sessionState, accountState, bool) {
	sess, acct, ok, _ := s.tokenStateWith(ctx, sid, userID, nil)
	return sess, acct, ok
}

// tokenStateWith is tokenState sending extra in the same round trip.
func (s *sharedState) tokenStateWith(ctx context.Context, sid, userID string, extra rueidis.Commands) (
	sessionState, accountState, bool, []rueidis.RedisResult) {
	var vals [2]string
	res := s.get(ctx, "token check", vals[:], extra, sessionKey+sid, userKey+userID)
	sess, ok1 := decodeSession(vals[0])
	acct, ok2 := decodeState(vals[1])
	return sess, acct, ok1 && ok2, res
}

// sessionEntry is the cache write for a session: an ended one is cached
// for as long as any of its access tokens could be presented (sessions do
// not come back), a live one only briefly.
func sessionEntry(sid string, st sessionState, endedTTL time.Duration) entry {
	ttl := cacheTTL
	if st.ended {
		ttl = endedTTL
	}
	return entry{sessionKey + sid, st.encode(), ttl}
}

func userEntry(userID string, st accountState) entry {
	return entry{userKey + userID, st.encode(), cacheTTL}
}

// keyEntry is the cache write for the key with prefix (k nil: none).
func keyEntry(prefix string, k *keyOwner) entry {
	return entry{apiKeyKey + prefix, encodeKey(k), cacheTTL}
}

// endSessions marks sessions ended in the cache, after the database.
func (s *sharedState) endSessions(ctx context.Context, sids []string, ttl time.Duration) {
	entries := make([]entry, 0, len(sids))
	for _, sid := range sids {
		entries = append(entries, sessionEntry(sid, sessionState{ended: true}, ttl))
	}
	s.set(ctx, "end sessions", false, entries...)
}
