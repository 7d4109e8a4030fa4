package auth

import "github.com/aquaml/aquaml/platform/apperr"

// The failures callers can tell apart. Messages are safe to show; none of
// them says whether an account exists.
var (
	errBadCredentials  = apperr.New(apperr.Unauthorized, "invalid_credentials", "incorrect username or password")
	errInactive        = apperr.New(apperr.Forbidden, "account_inactive", "this account is deactivated")
	errUnauthenticated = apperr.New(apperr.Unauthorized, "not_authenticated",
		"authentication required: send a bearer token or an API key")
	errInvalidToken   = apperr.New(apperr.Unauthorized, "invalid_token", "the access token is invalid")
	errTokenExpired   = apperr.New(apperr.Unauthorized, "token_expired", "the access token has expired; refresh it")
	errTokenRevoked   = apperr.New(apperr.Unauthorized, "token_revoked", "the access token was revoked")
	errInvalidAPIKey  = apperr.New(apperr.Unauthorized, "invalid_api_key", "the API key is invalid or revoked")
	errInvalidRefresh = apperr.New(apperr.Unauthorized, "invalid_refresh_token",
		"the refresh token is invalid, expired or revoked")
	errRefreshReused = apperr.New(apperr.Unauthorized, "refresh_token_reused",
		"this refresh token was already used; the session it belongs to is now signed out")
	errAdminOnly     = apperr.New(apperr.Forbidden, "admin_required", "this operation needs the admin role")
	errTokenRequired = apperr.New(apperr.Forbidden, "token_required",
		"this operation needs a signed-in session; API keys cannot do it")
	errUserNotFound = apperr.New(apperr.NotFound, "user_not_found", "no such user")
	errKeyNotFound  = apperr.New(apperr.NotFound, "api_key_not_found", "no such API key")
	errLastAdmin    = apperr.New(apperr.Conflict, "last_admin",
		"this change would leave no active admin; promote another user first")
	errTooManyKeys = apperr.New(apperr.Conflict, "too_many_api_keys",
		"this account has the most API keys allowed; delete one first")
	errUnsupportedGrant = apperr.New(apperr.BadRequest, "unsupported_grant_type",
		"the token endpoint serves the password and refresh_token grants")
)

func conflict(field, code, message string) *apperr.Error {
	return &apperr.Error{Kind: apperr.Conflict, Code: code, Message: message, Fields: map[string]string{field: message}}
}

func invalidField(field, message string) *apperr.Error {
	return apperr.Validation(map[string]string{field: message})
}
