package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// Stream tokens let a browser's EventSource, which cannot send headers,
// open a batch's event stream. An access token must never travel in a URL
// (URLs end up in proxy logs, browser history and Referer headers), so the
// page trades its access token for a stream token: signed like an access
// token but for another audience, so neither is accepted where the other
// is; bound to one request line (GET and the events path of one batch);
// living a minute; and tied to the session that asked, so signing out
// ends it too. The batch module checks, as for any caller, that the batch
// is the caller's.
const (
	// StreamTokenParam is the query parameter that carries a stream token.
	StreamTokenParam = "stream_token"
	streamAudience   = "aquaml-stream"
	streamTTL        = time.Minute
	// streamLeeway is smaller than the access tokens' leeway: a stream
	// token is used the moment it is made, by the same client.
	streamLeeway = 5 * time.Second
)

var (
	errInvalidStream = apperr.New(apperr.Unauthorized, "invalid_stream_token",
		"the stream token is invalid, or not for this request")
	errStreamExpired = apperr.New(apperr.Unauthorized, "stream_token_expired",
		"the stream token has expired; ask for a new one")
)

// streamClaims are a stream token's claims. Scope is the one request
// line the token opens, e.g. "GET /api/v1/batches/01J.../events".
type streamClaims struct {
	Scope     string `json:"scope"`
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

// StreamToken is the answer to POST /batches/{id}/stream-token.
type StreamToken struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expires_in"` // seconds
	// URL is the event stream's path with the token, ready for
	// new EventSource(url).
	URL string `json:"url"`
}

func (t *tokens) streamParser() *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{t.method.Alg()}),
		jwt.WithIssuer(t.issuer),
		jwt.WithAudience(streamAudience),
		jwt.WithLeeway(streamLeeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(t.now),
	)
}

func (t *tokens) issueStream(userID, sid, scope string) (string, error) {
	now := t.now().UTC().Truncate(time.Second)
	c := streamClaims{Scope: scope, SessionID: sid, RegisteredClaims: jwt.RegisteredClaims{
		Subject: userID, Issuer: t.issuer, Audience: jwt.ClaimStrings{streamAudience},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(streamTTL)), ID: uuid.NewString(),
	}}
	s, err := jwt.NewWithClaims(t.method, c).SignedString(t.key)
	if err != nil {
		return "", fmt.Errorf("auth: sign stream token: %w", err)
	}
	return s, nil
}

func (t *tokens) parseStream(raw string) (streamClaims, error) {
	if len(raw) > maxTokenLen {
		return streamClaims{}, errInvalidStream
	}
	var c streamClaims
	_, err := t.streamParser().ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return t.key, nil })
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) && onlyExpired(err) {
			return streamClaims{}, errStreamExpired
		}
		return streamClaims{}, errInvalidStream
	}
	if c.Subject == "" || c.SessionID == "" || c.Scope == "" {
		return streamClaims{}, errInvalidStream
	}
	return c, nil
}

// requestLine is what a stream token is bound to.
func requestLine(r *http.Request) string { return r.Method + " " + r.URL.Path }

// streamOf reads a stream token from the query string. Only requests that
// carry no other credential look there, and nothing else is read from a
// URL: an access token or API key in the query is not a credential.
func streamOf(r *http.Request) credential {
	if v := r.URL.Query().Get(StreamTokenParam); v != "" {
		return credential{stream: v, scope: requestLine(r)}
	}
	return credential{}
}

// authenticateStream checks a stream token for the request it came with,
// then its session and account as for the access token that made it.
func (s *service) authenticateStream(ctx context.Context, cred credential, b budget) (principal.Principal, *charge, error) {
	c, err := s.tokens.parseStream(cred.stream)
	if err != nil {
		return principal.Principal{}, nil, err
	}
	if c.Scope != cred.scope {
		return principal.Principal{}, nil, errInvalidStream
	}
	p, _, ch, err := s.checkSession(ctx, Claims{SessionID: c.SessionID, RegisteredClaims: c.RegisteredClaims}, b)
	return p, ch, err
}

// streamToken issues a stream token for the batch's event stream, next
// to which it is mounted. Only a signed-in session may ask: an API key
// script can send headers, and a key has no session to end the token with.
func (h *handler) streamToken(c echo.Context) error {
	p, claims := caller(c)
	if claims == nil {
		return errTokenRequired
	}
	events := strings.TrimSuffix(c.Request().URL.Path, "/stream-token") + "/events"
	raw, err := h.svc.tokens.issueStream(p.ID, claims.SessionID, http.MethodGet+" "+events)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, StreamToken{Token: raw, ExpiresIn: int(streamTTL / time.Second),
		URL: events + "?" + StreamTokenParam + "=" + raw})
}
