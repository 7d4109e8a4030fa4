package auth_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

// loginFrom sends a login through the App's real router as if it came
// from peer, which the test's own loopback connection cannot pretend to be.
func loginFrom(ta *apptest.TestApp, peer, forwardedFor, name, password string) int {
	form := url.Values{"username": {name}, "password": {password}}
	req := httptest.NewRequest("POST", ta.API("/auth/login"), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = peer + ":40000"
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	rec := httptest.NewRecorder()
	ta.HTTP.Echo.ServeHTTP(rec, req)
	return rec.Code
}

// TestLoginLimitsHoldAgainstALANAttacker: a device on the farm network
// (a private address, not a proxy) guesses alice's password, naming a new
// client in X-Forwarded-For each time. It is not believed: every guess
// counts for the device. Alice, at another address, still signs in.
func TestLoginLimitsHoldAgainstALANAttacker(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Auth.LoginRatePerMinute = 3 })
	ta.NewUser("alice")
	for i := range 3 {
		if code := loginFrom(ta, "192.168.1.50", fmt.Sprintf("203.0.113.%d", i+1), "alice", "guess-guess"); code != 401 {
			t.Fatalf("guess %d: %d, want 401", i+1, code)
		}
	}
	if code := loginFrom(ta, "192.168.1.50", "203.0.113.99", "alice", apptest.Password); code != 429 {
		t.Errorf("the fourth attempt from the flooding device: %d, want 429", code)
	}
	if code := loginFrom(ta, "10.0.0.7", "", "alice", apptest.Password); code != 200 {
		t.Errorf("alice from her own address during the flood: %d, want 200", code)
	}
}

// TestRotatingForwardedForThroughAProxy: a trusted proxy (loopback here)
// forwards guesses that each name a fresh client. Every client is new, so
// only the proxy's own budget can stop them, and it does.
func TestRotatingForwardedForThroughAProxy(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) {
		c.Auth.LoginRatePerMinute = 3
		c.Auth.LoginProxyRatePerMinute = 6
	})
	ta.NewUser("alice")
	via := func(client, password string) *apptest.Response {
		return ta.Do("POST", ta.API("/auth/login"), url.Values{"username": {"alice"}, "password": {password}},
			map[string]string{"X-Forwarded-For": client})
	}
	for i := range 6 {
		wantCode(t, via(fmt.Sprintf("198.51.100.%d", i+1), "guess-guess"), 401, "invalid_credentials")
	}
	r := via("198.51.100.77", apptest.Password)
	wantCode(t, r, 429, "rate_limited")
	if header(r, "Retry-After") < 1 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// The proxy host itself, naming nobody, is one more client with its
	// own budget: the limit is on what the proxy forwards.
	ta.Login("alice", apptest.Password)
}
