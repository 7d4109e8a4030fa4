// Package principal carries "who is calling" through a request's context.
// The auth module puts it there; every other module only reads it, so no
// module needs auth's tables or types.
package principal

import "context"

// Roles a caller can have.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Methods a caller can authenticate with.
const (
	MethodToken  = "token"   // JWT access token
	MethodAPIKey = "api_key" // API key of a camera or script
)

// Principal is an authenticated caller.
type Principal struct {
	ID     string // user id
	Role   string
	Method string
	KeyID  string // API key id when Method is MethodAPIKey
}

// IsAdmin reports whether the caller has the admin role.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

type key struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, key{}, p)
}

// From returns the caller in ctx, if any.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(key{}).(Principal)
	return p, ok
}
