package auth

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aquaml/aquaml/platform/principal"
	"github.com/google/uuid"
)

// maxRefreshLen bounds a presented refresh token; ours are 43 characters.
const maxRefreshLen = 256

// service is the account logic: it knows nothing of HTTP.
type service struct {
	store      *store
	hash       *hasher
	tokens     *tokens
	state      *sharedState
	limiter    *limiter
	loginLimit int
	// proxyLimit bounds the login attempts one trusted proxy forwards,
	// whatever clients it names; 0 turns it off.
	proxyLimit int
	refreshTTL time.Duration
	// keyDefault is the API budget of keys made without one.
	keyDefault int
	log        *slog.Logger
	now        func() time.Time
	dbWarned   atomic.Int64 // unix nanos of the last "cannot check credentials" warning
}

// origin is where a request comes from: the client address the server
// believes (from X-Forwarded-For when the peer is a trusted proxy, else
// the peer's) and the peer that connected.
type origin struct{ client, peer string }

// proxied reports whether the client address came from a proxy's header.
func (o origin) proxied() bool { return o.client != o.peer }

// endedTTL is how long an ended session stays in the cache: until every
// access token of it has expired.
func (s *service) endedTTL() time.Duration { return s.tokens.ttl + clockLeeway }

// register creates a user account with the user role.
func (s *service) register(ctx context.Context, in NewUser) (User, error) {
	if err := validateNewUser(&in); err != nil {
		return User{}, err
	}
	emailTaken, nameTaken, err := s.store.taken(ctx, in.Email, in.Username)
	if err != nil {
		return User{}, err
	}
	if err := takenError(emailTaken, nameTaken); err != nil {
		return User{}, err
	}
	hash, err := s.hash.hash(in.Password)
	if err != nil {
		return User{}, err
	}
	role := principal.RoleUser
	if in.Admin {
		role = principal.RoleAdmin
	}
	u := User{ID: uuid.NewString(), Email: in.Email, Username: in.Username, FullName: in.FullName,
		PasswordHash: hash, IsActive: true, Role: role}
	err = s.store.createUser(ctx, &u)
	switch {
	case errors.Is(err, errEmailTaken):
		return User{}, takenError(true, false)
	case errors.Is(err, errUsernameTaken):
		return User{}, takenError(false, true)
	case err != nil:
		return User{}, err
	}
	return u, nil
}

func takenError(email, username bool) error {
	switch {
	case email && username:
		e := conflict("email", "email_taken", "this email is already registered")
		e.Fields["username"] = "this username is already taken"
		return e
	case email:
		return conflict("email", "email_taken", "this email is already registered")
	case username:
		return conflict("username", "username_taken", "this username is already taken")
	}
	return nil
}

// login checks a username (or email) and password and starts a session.
// Unknown accounts and wrong passwords cost the same bcrypt work and get
// the same answer; a deactivated account is only revealed to someone who
// knows its password.
//
// Three budgets bound guessing, all per minute: every attempt from one
// client address; every attempt through one trusted proxy, so a proxy (or
// anyone who can speak as one) cannot mint fresh client addresses in
// X-Forwarded-For to escape the first; and every attempt on one account
// from one client, so that somebody flooding an account from elsewhere
// does not lock its owner out.
func (s *service) login(ctx context.Context, from origin, name, password string) (TokenPair, error) {
	f := fieldErrors{}
	if name == "" {
		f.add("username", "is required")
	}
	if password == "" {
		f.add("password", "is required")
	}
	if err := f.err(); err != nil {
		return TokenPair{}, err
	}
	if err := s.limitLogin(ctx, "ip:"+from.client, s.loginLimit); err != nil {
		return TokenPair{}, err
	}
	if from.proxied() {
		if err := s.limitLogin(ctx, "proxy:"+from.peer, s.proxyLimit); err != nil {
			return TokenPair{}, err
		}
	}
	var u User
	account := "name:" + strings.ToLower(name)
	if len(name) <= maxLoginField {
		found, err := s.store.userByLogin(ctx, name)
		if err != nil && !errors.Is(err, errNoRows) {
			return TokenPair{}, err
		}
		if err == nil {
			u, account = found, "user:"+found.ID
		}
	} else {
		account = "name:" + digest(name)
	}
	if err := s.limitAccount(ctx, account, from); err != nil {
		return TokenPair{}, err
	}
	ok, err := s.hash.check(u.PasswordHash, password)
	if err != nil {
		return TokenPair{}, err
	}
	if !ok {
		return TokenPair{}, errBadCredentials
	}
	if !u.IsActive {
		return TokenPair{}, errInactive
	}
	if err := s.store.pruneRefresh(ctx, u.ID, s.now()); err != nil {
		s.log.Warn("pruning expired refresh tokens", "user_id", u.ID, "error", err)
	}
	if err := s.store.pruneSessions(ctx, u.ID, s.now(), s.endedTTL()); err != nil {
		s.log.Warn("pruning expired sessions", "user_id", u.ID, "error", err)
	}
	return s.startSession(ctx, u, uuid.NewString())
}

// limitLogin counts one login attempt for key; Redis being down lets the
// attempt through.
func (s *service) limitLogin(ctx context.Context, key string, limit int) error {
	v, ok := s.limiter.allow(ctx, "login:"+key, limit)
	if ok && !v.allowed {
		return rateLimited(v, "login attempts")
	}
	return nil
}

// limitAccount counts one password check on account from a client: a
// login, or the current password of a password change.
func (s *service) limitAccount(ctx context.Context, account string, from origin) error {
	return s.limitLogin(ctx, "account:"+account+"|"+from.client, s.loginLimit)
}

// startSession creates a session with its first refresh token and issues
// an access token naming it.
func (s *service) startSession(ctx context.Context, u User, sid string) (TokenPair, error) {
	raw, hash, err := newRefreshToken()
	if err != nil {
		return TokenPair{}, err
	}
	expires := s.now().UTC().Add(s.refreshTTL)
	sess := session{ID: sid, UserID: u.ID, ExpiresAt: expires}
	rt := refreshToken{ID: uuid.NewString(), UserID: u.ID, FamilyID: sid, TokenHash: hash, ExpiresAt: expires}
	err = s.store.createSession(ctx, &sess, &rt)
	if errors.Is(err, errAccountInactive) {
		return TokenPair{}, errInactive
	}
	if err != nil {
		return TokenPair{}, err
	}
	return s.pair(u, sid, raw)
}

func (s *service) pair(u User, family, refresh string) (TokenPair, error) {
	access, _, err := s.tokens.issue(u.ID, u.Role, family)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, TokenType: "bearer", ExpiresIn: int(s.tokens.ttl / time.Second),
		RefreshToken: refresh}, nil
}

// refresh rotates a refresh token: the presented one is retired and a new
// pair returned. Presenting a retired token again means it was copied; the
// whole session is then ended, for the thief and the owner alike.
func (s *service) refresh(ctx context.Context, raw string) (TokenPair, error) {
	if raw == "" || len(raw) > maxRefreshLen {
		return TokenPair{}, errInvalidRefresh
	}
	rt, err := s.store.refreshByHash(ctx, digest(raw))
	if errors.Is(err, errNoRows) {
		return TokenPair{}, errInvalidRefresh
	}
	if err != nil {
		return TokenPair{}, err
	}
	if rt.Revoked {
		if rt.ReplacedBy == nil {
			return TokenPair{}, errInvalidRefresh // signed out, not stolen
		}
		return TokenPair{}, s.reused(ctx, rt)
	}
	if !s.now().Before(rt.ExpiresAt) {
		return TokenPair{}, errInvalidRefresh
	}
	u, err := s.store.userByID(ctx, rt.UserID)
	if errors.Is(err, errNoRows) {
		return TokenPair{}, errInvalidRefresh
	}
	if err != nil {
		return TokenPair{}, err
	}
	if !u.IsActive {
		return TokenPair{}, errInactive
	}
	next, hash, err := newRefreshToken()
	if err != nil {
		return TokenPair{}, err
	}
	nrt := refreshToken{ID: uuid.NewString(), UserID: u.ID, FamilyID: rt.FamilyID, TokenHash: hash,
		ExpiresAt: s.now().UTC().Add(s.refreshTTL)}
	outcome, err := s.store.rotate(ctx, rt.ID, &nrt)
	switch {
	case err != nil:
		return TokenPair{}, err
	case outcome == rotationLost:
		return TokenPair{}, s.reused(ctx, rt)
	case outcome == sessionOver:
		return TokenPair{}, errInvalidRefresh
	}
	return s.pair(u, rt.FamilyID, next)
}

func (s *service) reused(ctx context.Context, rt refreshToken) error {
	s.log.Warn("refresh token reused; ending its session", "user_id", rt.UserID, "session", rt.FamilyID)
	if err := s.endSession(ctx, rt.FamilyID); err != nil {
		return err
	}
	return errRefreshReused
}

// endSession ends a session in the database, then in the cache, so every
// access and refresh token of it stops working on every replica.
func (s *service) endSession(ctx context.Context, family string) error {
	if err := s.store.revokeFamily(ctx, family); err != nil {
		return err
	}
	s.state.endSessions(ctx, []string{family}, s.endedTTL())
	return nil
}

// logout ends the caller's session: the access token (and every other one
// of its session) stops working, and so does the session's refresh token.
// A refresh token that is not the caller's is ignored, not revealed.
func (s *service) logout(ctx context.Context, p principal.Principal, claims *Claims, refresh string) error {
	if claims != nil {
		if err := s.endSession(ctx, claims.SessionID); err != nil {
			return err
		}
	}
	if refresh == "" || len(refresh) > maxRefreshLen {
		return nil
	}
	rt, err := s.store.refreshByHash(ctx, digest(refresh))
	if errors.Is(err, errNoRows) || (err == nil && rt.UserID != p.ID) {
		return nil
	}
	if err != nil {
		return err
	}
	if claims != nil && rt.FamilyID == claims.SessionID {
		return nil
	}
	return s.endSession(ctx, rt.FamilyID)
}
