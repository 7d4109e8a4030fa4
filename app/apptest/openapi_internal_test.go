package apptest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSpecCheckNamesTheMismatch: the messages must tell whoever updates
// the spec which operation and which field disagree.
func TestSpecCheckNamesTheMismatch(t *testing.T) {
	c, err := contractFor("/api/v1")
	if err != nil {
		t.Fatal(err)
	}
	s := &specCheck{contract: c, t: t}
	user := `"email":"a@example.com","username":"alice","full_name":"","role":"user","is_active":true,` +
		`"created_at":"2026-12-01T10:00:00Z","updated_at":"2026-12-01T10:00:00Z"`
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               string
		want               []string // all in the message; none: no mismatch
	}{
		{"as documented", "GET", "/api/v1/auth/me", 200, `{"id":"u1",` + user + `}`, nil},
		{"missing field", "GET", "/api/v1/auth/me", 200, `{` + user + `}`, []string{"getMe", "GET /api/v1/auth/me", `"id" is missing`}},
		{"wrong type", "GET", "/api/v1/auth/me", 200, `{"id":7,` + user + `}`, []string{"getMe", `"/id"`, "string"}},
		{"undocumented status", "GET", "/api/v1/auth/me", 418, `{"error":{"code":"x","message":"y"}}`, []string{"getMe", "status is not supported"}},
		{"error shape", "GET", "/api/v1/auth/me", 401, `{"error":"nope"}`, []string{"getMe", `"/error"`}},
		{"path param route", "GET", "/api/v1/batches/b1", 404, `{"error":{"code":"not_found","message":"no such batch"}}`, nil},
		{"route off the spec", "GET", "/api/v1/fish-tanks", 200, `{}`, []string{"not in the OpenAPI spec"}},
		{"unknown path answered 404", "GET", "/api/v1/fish-tanks", 404, `{"error":{"code":"not_found","message":"not found"}}`, nil},
		{"unknown path, odd 404 body", "GET", "/api/v1/fish-tanks", 404, `not found`, []string{"not JSON"}},
		{"wrong method without Allow", "PUT", "/api/v1/auth/me", 405, `{"error":{"code":"method_not_allowed","message":"method not allowed"}}`, []string{"Allow"}},
		{"undocumented method answered", "PUT", "/api/v1/auth/me", 200, `{}`, []string{"method is not in the OpenAPI spec"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://127.0.0.1:1"+tc.path, nil)
			res := &http.Response{StatusCode: tc.status, Request: req,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(tc.body))}
			msg := s.check(req, res)
			if len(tc.want) == 0 && msg != "" {
				t.Errorf("unexpected mismatch: %s", msg)
			}
			if len(tc.want) > 0 && msg == "" {
				t.Errorf("no mismatch reported, want one mentioning %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if body, _ := io.ReadAll(res.Body); string(body) != tc.body {
				t.Errorf("the test would read %q, not the body %q", body, tc.body)
			}
		})
	}
}

// BenchmarkSpecCheck is the cost the check adds to each answer a test
// reads (a user document), and BenchmarkSpecParse the one-off cost per
// test binary.
func BenchmarkSpecCheck(b *testing.B) {
	c, err := contractFor("/api/v1")
	if err != nil {
		b.Fatal(err)
	}
	s := &specCheck{contract: c, t: b}
	body := `{"id":"u1","email":"a@example.com","username":"alice","full_name":"","role":"user","is_active":true,` +
		`"created_at":"2026-12-01T10:00:00Z","updated_at":"2026-12-01T10:00:00Z"}`
	req := httptest.NewRequest("GET", "http://127.0.0.1:1/api/v1/auth/me", nil)
	for b.Loop() {
		res := &http.Response{StatusCode: 200, Request: req,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
		if msg := s.check(req, res); msg != "" {
			b.Fatal(msg)
		}
	}
}

func BenchmarkSpecParse(b *testing.B) {
	for b.Loop() {
		if _, err := parseContract("/api/v1"); err != nil {
			b.Fatal(err)
		}
	}
}
