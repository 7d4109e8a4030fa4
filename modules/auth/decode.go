package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/url"
	"strings"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

// maxBody bounds every auth request body; the largest honest one is a
// few hundred bytes.
const maxBody = 16 << 10

var (
	errBadJSON  = apperr.New(apperr.BadRequest, "invalid_json", "the body is not a valid JSON object")
	errBadForm  = apperr.New(apperr.BadRequest, "invalid_form", "the body is not a valid URL-encoded form")
	errNotJSON  = apperr.New(apperr.Unsupported, "unsupported_media_type", "send Content-Type: application/json")
	errTooLarge = apperr.New(apperr.TooLarge, "body_too_large", "the request body is too large")
	errNotLogin = apperr.New(apperr.Unsupported, "unsupported_media_type",
		"send application/x-www-form-urlencoded (OAuth2 password form) or application/json")
)

// readBody returns the request body, refusing anything over maxBody.
func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxBody+1))
	if err != nil {
		return nil, err // the body-limit middleware turns oversize reads into 413
	}
	if len(body) > maxBody {
		return nil, errTooLarge
	}
	return body, nil
}

func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}

// decodeJSON fills dst from a JSON object. Syntax errors are 400; a field
// of the wrong type is a 422 naming the field.
func decodeJSON(contentType string, body []byte, dst any) error {
	if mt := mediaType(contentType); mt != echo.MIMEApplicationJSON {
		return errNotJSON
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalidField(te.Field, "must be a "+jsonType(te.Type.String()))
		}
		return errBadJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return errBadJSON // trailing data after the object
	}
	return nil
}

func jsonType(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int":
		return "whole number"
	}
	return "value of another type"
}

type registerBody struct {
	Email    string `json:"email"`
	Username string `json:"username"`
	Password string `json:"password"`
	FullName string `json:"full_name"`
}

// parseRegister reads a registration; the role can never be chosen here.
func parseRegister(contentType string, body []byte) (NewUser, error) {
	var b registerBody
	if err := decodeJSON(contentType, body, &b); err != nil {
		return NewUser{}, err
	}
	return NewUser{Email: b.Email, Username: b.Username, Password: b.Password, FullName: b.FullName}, nil
}

type loginBody struct {
	GrantType    string `json:"grant_type"`
	Username     string `json:"username"`
	Email        string `json:"email"`
	Password     string `json:"password"`
	RefreshToken string `json:"refresh_token"`
}

// The OAuth2 grants the token endpoint serves (RFC 6749 4.3 and 6).
const (
	grantPassword = "password"
	grantRefresh  = "refresh_token"
)

// tokenRequest is one request to the token endpoint: a password grant
// (name and password) or a refresh grant (refresh).
type tokenRequest struct {
	grant          string
	name, password string
	refresh        string
}

// parseTokenRequest reads the OAuth2 token request form, or its JSON
// equivalent. The login name is the username or the email; JSON may also
// name it "email". Without grant_type it is a password grant, as it was
// before the refresh grant was served here.
func parseTokenRequest(contentType string, body []byte) (tokenRequest, error) {
	var b loginBody
	switch mediaType(contentType) {
	case echo.MIMEApplicationForm:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return tokenRequest{}, errBadForm
		}
		b = loginBody{GrantType: form.Get("grant_type"), Username: form.Get("username"),
			Password: form.Get("password"), RefreshToken: form.Get("refresh_token")}
	case echo.MIMEApplicationJSON:
		if err := decodeJSON(contentType, body, &b); err != nil {
			return tokenRequest{}, err
		}
		if b.Username == "" {
			b.Username = b.Email
		}
	default:
		return tokenRequest{}, errNotLogin
	}
	switch b.GrantType {
	case "", grantPassword:
		return tokenRequest{grant: grantPassword, name: strings.TrimSpace(b.Username), password: b.Password}, nil
	case grantRefresh:
		if b.RefreshToken == "" {
			return tokenRequest{}, invalidField("refresh_token", "is required")
		}
		return tokenRequest{grant: grantRefresh, refresh: b.RefreshToken}, nil
	}
	return tokenRequest{}, errUnsupportedGrant
}

// parseRefresh reads a /auth/refresh body: JSON, or the OAuth2 refresh
// form (whose grant_type, when sent, must be refresh_token).
func parseRefresh(contentType string, body []byte) (string, error) {
	var b loginBody
	switch mediaType(contentType) {
	case echo.MIMEApplicationForm:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return "", errBadForm
		}
		b = loginBody{GrantType: form.Get("grant_type"), RefreshToken: form.Get("refresh_token")}
		if b.GrantType != "" && b.GrantType != grantRefresh {
			return "", errUnsupportedGrant
		}
	case echo.MIMEApplicationJSON:
		var rb refreshBody
		if err := decodeJSON(contentType, body, &rb); err != nil {
			return "", err
		}
		b.RefreshToken = rb.RefreshToken
	default:
		return "", errNotLogin
	}
	if b.RefreshToken == "" {
		return "", invalidField("refresh_token", "is required")
	}
	return b.RefreshToken, nil
}

type refreshBody struct {
	RefreshToken string `json:"refresh_token"`
}

type profileBody struct {
	FullName        *string `json:"full_name"`
	Password        *string `json:"password"`
	CurrentPassword *string `json:"current_password"`
}

type keyBody struct {
	Name               string `json:"name"`
	RateLimitPerMinute *int   `json:"rate_limit_per_minute"`
}

type accountBody struct {
	IsActive *bool   `json:"is_active"`
	Role     *string `json:"role"`
}
