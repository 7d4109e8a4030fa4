package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aquaml/aquaml/platform/principal"
)

// keyTouchInterval is how stale an API key's last_used_at may get.
const keyTouchInterval = time.Minute

// credential is what a request presents: an access token or an API key.
type credential struct {
	token  string
	apiKey string
	bad    bool // an Authorization header we cannot use
}

func (c credential) empty() bool { return c.token == "" && c.apiKey == "" && !c.bad }

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

// authenticate checks a credential and returns the caller. For tokens it
// also returns the claims (logout and password change need the session).
// Account state is checked on every call, so deactivation and demotion
// take effect on the next request.
func (s *service) authenticate(ctx context.Context, cred credential) (principal.Principal, *Claims, error) {
	switch {
	case cred.apiKey != "":
		p, err := s.authenticateKey(ctx, cred.apiKey)
		return p, nil, err
	case cred.token != "":
		return s.authenticateToken(ctx, cred.token)
	}
	return principal.Principal{}, nil, errInvalidToken
}

func (s *service) authenticateToken(ctx context.Context, raw string) (principal.Principal, *Claims, error) {
	c, err := s.tokens.parse(raw)
	if err != nil {
		return principal.Principal{}, nil, err
	}
	revoked, st, cached := s.state.lookup(ctx, c.ID, c.SessionID, c.Subject)
	if !cached {
		u, err := s.store.userByID(ctx, c.Subject)
		if errors.Is(err, errNoRows) {
			return principal.Principal{}, nil, errInvalidToken
		}
		if err != nil {
			return principal.Principal{}, nil, err
		}
		st = accountState{active: u.IsActive, role: u.Role}
		s.state.cacheUser(ctx, u.ID, st)
	}
	// A deactivated account says so even though its sessions were ended
	// too: the client should stop, not try to sign in again.
	if !st.active {
		return principal.Principal{}, nil, errInactive
	}
	if revoked {
		return principal.Principal{}, nil, errTokenRevoked
	}
	return principal.Principal{ID: c.Subject, Role: st.role, Method: principal.MethodToken}, &c, nil
}

func (s *service) authenticateKey(ctx context.Context, key string) (principal.Principal, error) {
	prefix, ok := splitAPIKey(key)
	if !ok {
		return principal.Principal{}, errInvalidAPIKey
	}
	k, err := s.store.keyByPrefix(ctx, prefix)
	if errors.Is(err, errNoRows) {
		return principal.Principal{}, errInvalidAPIKey
	}
	if err != nil {
		return principal.Principal{}, err
	}
	if !sameDigest(key, k.SecretHash) || k.Revoked {
		return principal.Principal{}, errInvalidAPIKey
	}
	if !k.IsActive {
		return principal.Principal{}, errInactive
	}
	if k.LastUsedAt == nil || s.now().Sub(*k.LastUsedAt) > keyTouchInterval {
		if err := s.store.touchKey(ctx, k.ID, keyTouchInterval); err != nil {
			s.log.Warn("recording API key use", "key_id", k.ID, "error", err)
		}
	}
	return principal.Principal{ID: k.UserID, Role: k.Role, Method: principal.MethodAPIKey, KeyID: k.ID}, nil
}
