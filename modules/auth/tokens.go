package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Defaults for the token claims that name this service.
const (
	DefaultIssuer   = "aquaml"
	DefaultAudience = "aquaml-api"
	// clockLeeway absorbs clock drift between replicas and clients.
	clockLeeway = 30 * time.Second
	// maxTokenLen bounds the work spent on a presented token; ours are
	// about 400 bytes.
	maxTokenLen = 4096
)

// Claims are the access token's claims: the registered ones plus the
// role (informational: requests are authorised with the role currently
// stored, so a demotion takes effect at once) and the session id, which is
// the refresh-token family the access token was issued with.
type Claims struct {
	Role      string `json:"role"`
	SessionID string `json:"sid,omitempty"`
	jwt.RegisteredClaims
}

// tokens issues and verifies access tokens (JWTs signed with one HMAC
// algorithm and key).
type tokens struct {
	method   jwt.SigningMethod
	key      []byte
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
}

func newTokens(alg, secret, issuer, audience string, ttl time.Duration, now func() time.Time) (*tokens, error) {
	method := jwt.GetSigningMethod(alg)
	if _, ok := method.(*jwt.SigningMethodHMAC); !ok {
		return nil, fmt.Errorf("auth: JWT algorithm %q is not one of HS256, HS384, HS512", alg)
	}
	if secret == "" {
		return nil, errors.New("auth: empty JWT secret")
	}
	if now == nil {
		now = time.Now
	}
	return &tokens{
		method: method, key: []byte(secret), issuer: issuer, audience: audience, ttl: ttl, now: now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{method.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithLeeway(clockLeeway),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(now),
		),
	}, nil
}

// issue signs an access token for the user in session sid.
func (t *tokens) issue(userID, role, sid string) (string, Claims, error) {
	now := t.now().UTC().Truncate(time.Second)
	c := Claims{
		Role:      role,
		SessionID: sid,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   userID,
			Issuer:    t.issuer,
			Audience:  jwt.ClaimStrings{t.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			ID:        uuid.NewString(),
		},
	}
	s, err := jwt.NewWithClaims(t.method, c).SignedString(t.key)
	if err != nil {
		return "", Claims{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return s, c, nil
}

// parse verifies the signature, the algorithm, issuer, audience and
// times, and returns the claims. Every failure is errInvalidToken except
// expiry, which clients handle differently (they refresh).
func (t *tokens) parse(raw string) (Claims, error) {
	if raw == "" || len(raw) > maxTokenLen {
		return Claims{}, errInvalidToken
	}
	var c Claims
	_, err := t.parser.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return t.key, nil })
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) && onlyExpired(err) {
			return Claims{}, errTokenExpired
		}
		return Claims{}, errInvalidToken
	}
	if c.Subject == "" || c.ID == "" {
		return Claims{}, errInvalidToken
	}
	return c, nil
}

// onlyExpired makes sure an expired token is reported as expired only if
// its signature was good: jwt joins validation errors, and a forged token
// must never look like a merely stale one.
func onlyExpired(err error) bool {
	return !errors.Is(err, jwt.ErrTokenSignatureInvalid) && !errors.Is(err, jwt.ErrTokenMalformed) &&
		!errors.Is(err, jwt.ErrTokenUnverifiable) && !errors.Is(err, jwt.ErrTokenInvalidIssuer) &&
		!errors.Is(err, jwt.ErrTokenInvalidAudience)
}
