package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/httpserver"
)

// Response is a fully read HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	t      testing.TB
	what   string
}

// Do sends a request and reads the whole response. path is the full path
// ("/api/v1/auth/me" or ta.API("/auth/me")). body is sent as:
//   - nil: no body;
//   - url.Values: an application/x-www-form-urlencoded form;
//   - string or []byte: as is, with Content-Type application/json;
//   - anything else: encoded as JSON.
//
// headers are set last, so they can override the Content-Type.
func (ta *TestApp) Do(method, path string, body any, headers map[string]string) *Response {
	ta.t.Helper()
	var (
		r           io.Reader
		contentType string
	)
	switch b := body.(type) {
	case nil:
	case url.Values:
		r, contentType = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case string:
		r, contentType = strings.NewReader(b), "application/json"
	case []byte:
		r, contentType = bytes.NewReader(b), "application/json"
	default:
		js, err := json.Marshal(b)
		if err != nil {
			ta.t.Fatalf("apptest: encode body: %v", err)
		}
		r, contentType = bytes.NewReader(js), "application/json"
	}
	req, err := http.NewRequest(method, ta.URL+path, r)
	if err != nil {
		ta.t.Fatalf("apptest: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := ta.Client.Do(req)
	if err != nil {
		ta.t.Fatalf("apptest: %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		ta.t.Fatalf("apptest: %s %s: read body: %v", method, path, err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: data, t: ta.t, what: method + " " + path}
}

// Want fails the test unless the status is one of want; it returns r so
// calls chain: ta.Do(...).Want(200).JSON(&v).
func (r *Response) Want(want int) *Response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("%s: status %d, want %d; body: %s", r.what, r.Status, want, r.Body)
	}
	return r
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r *Response) JSON(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("%s: body is not the expected JSON (%v): %s", r.what, err, r.Body)
	}
}

// Map decodes a JSON object body.
func (r *Response) Map() map[string]any {
	r.t.Helper()
	var m map[string]any
	r.JSON(&m)
	return m
}

// Error decodes the error contract {"error": {"code", "message", ...}}.
func (r *Response) Error() httpserver.ErrorDetail {
	r.t.Helper()
	var b httpserver.ErrorBody
	r.JSON(&b)
	if b.Error.Code == "" {
		r.t.Fatalf("%s: status %d without an error code: %s", r.what, r.Status, r.Body)
	}
	return b.Error
}

// Session is a signed-in user.
type Session struct {
	UserID, Email, Username, Password string
	AccessToken, RefreshToken         string
}

// Auth returns the Authorization header for the session's access token.
func (s Session) Auth() map[string]string {
	return map[string]string{"Authorization": "Bearer " + s.AccessToken}
}

// Bearer returns an Authorization header carrying credential (an access
// token or an API key).
func Bearer(credential string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + credential}
}

// NewUser registers username (email username@example.com, password
// Password) and signs in.
func (ta *TestApp) NewUser(username string) Session {
	ta.t.Helper()
	ta.Do(http.MethodPost, ta.API("/auth/register"),
		map[string]string{"email": username + "@example.com", "username": username, "password": Password}, nil).
		Want(http.StatusCreated)
	return ta.Login(username, Password)
}

// Login signs in with the OAuth2 password form.
func (ta *TestApp) Login(name, password string) Session {
	ta.t.Helper()
	var pair struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	ta.Do(http.MethodPost, ta.API("/auth/login"), url.Values{"username": {name}, "password": {password}}, nil).
		Want(http.StatusOK).JSON(&pair)
	s := Session{Username: name, Password: password, AccessToken: pair.AccessToken, RefreshToken: pair.RefreshToken}
	var me struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	ta.Do(http.MethodGet, ta.API("/auth/me"), nil, s.Auth()).Want(http.StatusOK).JSON(&me)
	s.UserID, s.Email = me.ID, me.Email
	return s
}

// Admin signs in as the bootstrap admin.
func (ta *TestApp) Admin() Session {
	ta.t.Helper()
	return ta.Login(AdminEmail, AdminPassword)
}
