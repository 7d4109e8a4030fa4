package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/redis/rueidis"
)

const (
	// keyTouchInterval is how stale an API key's last_used_at may get.
	keyTouchInterval = time.Minute
	// authRetryAfter is the Retry-After of a credential that could not be
	// checked: long enough for a database fail-over to get somewhere.
	authRetryAfter = 2 * time.Second
)

// credential is what a request presents: an access token or an API key.
type credential struct {
	token  string
	apiKey string
	bad    bool // an Authorization header we cannot use
	// stream is a stream token from the query string, and scope the
	// request line it was presented with.
	stream, scope string
}

func (c credential) empty() bool { return c.token == "" && c.apiKey == "" && c.stream == "" && !c.bad }

// credentialOf reads `Authorization: Bearer <token or key>` or, failing
// that, `X-API-Key: <key>`.
func credentialOf(r *http.Request) credential {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, value, found := strings.Cut(strings.TrimSpace(h), " ")
		value = strings.TrimSpace(value)
		if !found || !strings.EqualFold(scheme, "Bearer") || value == "" {
			return credential{bad: true}
		}
		if looksLikeAPIKey(value) {
			return credential{apiKey: value}
		}
		return credential{token: value}
	}
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return credential{apiKey: k}
	}
	return credential{}
}

// charge is a rate-limit count for the caller a credential names, taken
// in the same Redis round trip as the credential's check, so a request
// costs one round trip, not two. ok is false when Redis did not answer.
type charge struct {
	ct count
	v  verdict
	ok bool
}

// budget is what a request is counted against: rate requests a minute
// (0: not counted) in the caller's bucket named with suffix. scale
// multiplies an API key's own rate in the same way rate was scaled.
type budget struct {
	rate   int
	scale  int
	suffix string
}

// authenticate checks a credential and returns the caller. For tokens it
// also returns the claims (logout and password change need the session).
// Session and account state are checked on every call (in the Redis cache,
// else the database), so a sign-out, deactivation or demotion takes effect
// on the next request. When neither Redis nor the database can answer,
// the credential is refused with errAuthUnavailable, never accepted.
//
// With b.rate > 0 it also counts the request against the caller's API
// budget (per user, or per key) and returns that count, even when the
// credential then fails; the caller takes such a count back.
func (s *service) authenticate(ctx context.Context, cred credential, b budget) (principal.Principal, *Claims, *charge, error) {
	switch {
	case cred.apiKey != "":
		p, ch, err := s.authenticateKey(ctx, cred.apiKey, b)
		return p, nil, ch, err
	case cred.token != "":
		return s.authenticateToken(ctx, cred.token, b)
	case cred.stream != "":
		p, ch, err := s.authenticateStream(ctx, cred, b)
		return p, nil, ch, err
	}
	return principal.Principal{}, nil, nil, errInvalidToken
}

// newCharge prepares the count for bucket: nil when rate limits are off,
// and no commands (a charge that stays !ok) while Redis is unusable.
func (s *service) newCharge(bucket string, b budget) (*charge, rueidis.Commands) {
	if b.rate <= 0 {
		return nil, nil
	}
	ct := s.limiter.begin(bucket+b.suffix, b.rate)
	if !s.state.usable() {
		return &charge{ct: ct}, nil
	}
	return &charge{ct: ct}, s.limiter.commands(ct)
}

func (ch *charge) read(l *limiter, res []rueidis.RedisResult) {
	if ch != nil && res != nil {
		ch.v, ch.ok = l.finish(ch.ct, res)
	}
}

func (s *service) authenticateToken(ctx context.Context, raw string, b budget) (principal.Principal, *Claims, *charge, error) {
	c, err := s.tokens.parse(raw)
	if err != nil {
		return principal.Principal{}, nil, nil, err
	}
	return s.checkSession(ctx, c, b)
}

// checkSession checks the session and account a verified token names,
// counting the request against the user's budget on the way.
func (s *service) checkSession(ctx context.Context, c Claims, b budget) (principal.Principal, *Claims, *charge, error) {
	if c.SessionID == "" {
		return principal.Principal{}, nil, nil, errInvalidToken // we never issue one: it cannot be revoked
	}
	ch, extra := s.newCharge(userBucket(c.Subject), b)
	sess, acct, cached, res := s.state.tokenStateWith(ctx, c.SessionID, c.Subject, extra)
	ch.read(s.limiter, res)
	if !cached {
		row, err := s.store.tokenState(ctx, c.Subject, c.SessionID)
		if errors.Is(err, errNoRows) {
			return principal.Principal{}, nil, ch, errInvalidToken
		}
		if err != nil {
			return principal.Principal{}, nil, ch, s.unavailable(err)
		}
		acct = accountState{active: row.IsActive, role: row.Role}
		sess = sessionState{ended: true}
		if row.SessionUser != nil && row.ExpiresAt != nil && row.RevokedAt == nil {
			sess = sessionState{userID: *row.SessionUser, expires: *row.ExpiresAt}
		}
		s.state.set(ctx, "cache session", true,
			sessionEntry(c.SessionID, sess, s.endedTTL()), userEntry(c.Subject, acct))
	}
	// A deactivated account says so even though its sessions were ended
	// too: the client should stop, not try to sign in again.
	if !acct.active {
		return principal.Principal{}, nil, ch, errInactive
	}
	if sess.ended || !s.now().Before(sess.expires.Add(clockLeeway)) {
		return principal.Principal{}, nil, ch, errTokenRevoked
	}
	if sess.userID != c.Subject {
		return principal.Principal{}, nil, ch, errInvalidToken
	}
	return principal.Principal{ID: c.Subject, Role: acct.role, Method: principal.MethodToken}, &c, ch, nil
}

// authenticateKey checks an API key against the cached key (one Redis
// round trip) or, when Redis does not hold it, the database. The request
// is counted in that same round trip, against the key's own budget once
// the key is known.
func (s *service) authenticateKey(ctx context.Context, key string, b budget) (principal.Principal, *charge, error) {
	prefix, ok := splitAPIKey(key)
	if !ok {
		return principal.Principal{}, nil, errInvalidAPIKey
	}
	ch, extra := s.newCharge(keyBucket(prefix), b)
	var v [1]string
	res := s.state.get(ctx, "API key check", v[:], extra, apiKeyKey+prefix)
	k, found, err := s.lookupKey(ctx, prefix, v[0])
	if ch != nil && found {
		ch.ct.limit = s.keyRate(k.RateLimitPerMinute) * max(1, b.scale)
	}
	ch.read(s.limiter, res)
	if err != nil {
		return principal.Principal{}, ch, err
	}
	if !found || !sameDigest(key, k.SecretHash) {
		return principal.Principal{}, ch, errInvalidAPIKey
	}
	if !k.IsActive {
		return principal.Principal{}, ch, errInactive
	}
	if k.Revoked {
		return principal.Principal{}, ch, errInvalidAPIKey
	}
	return principal.Principal{ID: k.UserID, Role: k.Role, Method: principal.MethodAPIKey, KeyID: k.ID}, ch, nil
}

// lookupKey reads the key with prefix from its cached value, or from the
// database (caching it) when cached does not parse.
func (s *service) lookupKey(ctx context.Context, prefix, cached string) (keyOwner, bool, error) {
	if k, found, ok := decodeKey(cached); ok {
		return k, found, nil
	}
	row, err := s.store.keyByPrefix(ctx, prefix)
	switch {
	case errors.Is(err, errNoRows):
		s.state.set(ctx, "cache API key", true, keyEntry(prefix, nil))
		return keyOwner{}, false, nil
	case err != nil:
		return keyOwner{}, false, s.unavailable(err)
	}
	s.state.set(ctx, "cache API key", true, keyEntry(prefix, &row))
	if !row.Revoked && (row.LastUsedAt == nil || s.now().Sub(*row.LastUsedAt) > keyTouchInterval) {
		if err := s.store.touchKey(ctx, row.ID, keyTouchInterval); err != nil {
			s.log.Warn("recording API key use", "key_id", row.ID, "error", err)
		}
	}
	return row, true, nil
}

// unavailable turns a failed credential check into a 503: refusing is
// the only safe answer when the revocation state cannot be read. It logs
// the cause at most every ten seconds.
func (s *service) unavailable(err error) error {
	now := time.Now().UnixNano()
	last := s.dbWarned.Load()
	if now-last > int64(10*time.Second) && s.dbWarned.CompareAndSwap(last, now) {
		s.log.Warn("credentials cannot be checked: the database is unavailable and Redis does not hold them; refusing", "error", err)
	}
	e := apperr.Wrap(apperr.Unavailable, "auth_unavailable",
		"credentials cannot be checked right now; retry after the time in Retry-After", err)
	e.RetryAfter = authRetryAfter
	return e
}
