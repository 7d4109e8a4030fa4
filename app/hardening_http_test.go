package app_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/labstack/echo/v4"
)

func randomWord(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + r.IntN(26))
	}
	return string(b)
}

var seriesLine = regexp.MustCompile(`(?m)^(http_requests_total|http_request_duration_seconds_count)\{[^}]*\}`)

// scrape returns /metrics and the HTTP series it carries.
func scrape(t *testing.T, ta *apptest.TestApp) (string, []string) {
	t.Helper()
	body := string(ta.Do("GET", "/metrics", nil, nil).Want(200).Body)
	series := seriesLine.FindAllString(body, -1)
	slices.Sort(series)
	return body, series
}

// TestRandomMethodsAndPathsDoNotGrowMetrics sends what a scanner sends:
// every request a new 20-letter method on a new path, at the root and
// under the API prefix. The label sets, and so /metrics, stay the same.
func TestRandomMethodsAndPathsDoNotGrowMetrics(t *testing.T) {
	ta := apptest.New(t, nil)
	r := rand.New(rand.NewPCG(1, 2))
	attack := func(n int) {
		for i := range n {
			path := "/" + strings.ToLower(randomWord(r, 20))
			if i%2 == 1 {
				path = ta.API(path)
			}
			ta.Do(randomWord(r, 20), path, nil, nil)
		}
	}
	scrape(t, ta) // the scrape's own series
	attack(200)
	firstBody, first := scrape(t, ta)
	attack(400)
	secondBody, second := scrape(t, ta)
	if !slices.Equal(first, second) {
		t.Errorf("series changed under random requests:\nbefore %d: %v\nafter %d: %v", len(first), first, len(second), second)
	}
	// Only counters' digits may change.
	if grow := len(secondBody) - len(firstBody); grow > 2048 {
		t.Errorf("/metrics grew by %d bytes over 400 random requests", grow)
	}
	if want := `method="OTHER",route="unmatched",status="404"} 600`; !strings.Contains(secondBody, want) {
		t.Errorf("/metrics lacks %s:\n%s", want, grepLines(secondBody, "http_requests_total"))
	}
}

// TestUnmatchedPathsAreRateLimited: probing paths no route serves costs
// a scanner its budget like any request, at the root as under the API.
func TestUnmatchedPathsAreRateLimited(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.RateLimitPerMinute = 5 })
	for _, path := range []string{"/wp-login.php", ta.API("/no-such-thing")} {
		t.Run(path, func(t *testing.T) {
			var last *apptest.Response
			for range 20 {
				if last = ta.Do("GET", path+"?probe", nil, nil); last.Status == http.StatusTooManyRequests {
					break
				}
				if last.Status != http.StatusNotFound {
					t.Fatalf("%s: %d %s", path, last.Status, last.Body)
				}
			}
			if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
				t.Fatalf("20 probes of %s, last answer %d (Retry-After %q): never limited",
					path, last.Status, last.Header.Get("Retry-After"))
			}
			if code := last.Error().Code; code != "rate_limited" {
				t.Errorf("code %q", code)
			}
		})
	}
}

// TestSecurityHeaders checks what a browser relies on: no answer may be
// sniffed into another type, HTML pages cannot be framed or run injected
// scripts, and answers carrying tokens or keys are never cached.
func TestSecurityHeaders(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	login := url.Values{"username": {"alice"}, "password": {apptest.Password}}
	tests := []struct {
		name, method, path string
		body               any
		headers            map[string]string
		html, noStore      bool
	}{
		{"health", "GET", "/health", nil, nil, false, false},
		{"unknown path", "GET", "/nowhere", nil, nil, false, false},
		{"docs page", "GET", "/docs", nil, nil, true, false},
		{"register", "POST", ta.API("/auth/register"), map[string]string{"email": "bob@example.com", "username": "bob", "password": apptest.Password}, nil, false, true},
		{"login", "POST", ta.API("/auth/login"), login, nil, false, true},
		{"failed login", "POST", ta.API("/auth/login"), url.Values{"username": {"alice"}, "password": {"wrong-password"}}, nil, false, true},
		{"refresh", "POST", ta.API("/auth/refresh"), map[string]string{"refresh_token": alice.RefreshToken}, nil, false, true},
		{"create key", "POST", ta.API("/auth/api-keys"), map[string]string{"name": "camera"}, alice.Auth(), false, true},
		{"list keys", "GET", ta.API("/auth/api-keys"), nil, alice.Auth(), false, true},
		{"me", "GET", ta.API("/auth/me"), nil, alice.Auth(), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ta.Do(tt.method, tt.path, tt.body, tt.headers)
			if res.Status >= 500 {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			h := res.Header
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			csp := h.Get("Content-Security-Policy")
			if isHTML := strings.HasPrefix(h.Get("Content-Type"), "text/html"); isHTML != tt.html {
				t.Fatalf("Content-Type %q", h.Get("Content-Type"))
			}
			if tt.html && (!strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || h.Get("X-Frame-Options") != "DENY") {
				t.Errorf("HTML page: CSP %q, X-Frame-Options %q", csp, h.Get("X-Frame-Options"))
			}
			if !tt.html && csp != "" {
				t.Errorf("non-HTML answer carries a CSP %q", csp)
			}
			if got := h.Get("Cache-Control"); tt.noStore != (got == "no-store") {
				t.Errorf("Cache-Control %q (want no-store: %v)", got, tt.noStore)
			}
		})
	}
}

// TestClientThatLeftIs499AndNotAnError: a client that hangs up while its
// request is being served (here, a query the driver abandons when the
// request's context ends) is counted as 499 and logged at debug level,
// not as a 500 at ERROR.
func TestClientThatLeftIs499AndNotAnError(t *testing.T) {
	ta := apptest.New(t, nil)
	entered := make(chan struct{})
	ta.HTTP.Echo.GET("/test/slow-query", func(c echo.Context) error {
		close(entered)
		<-c.Request().Context().Done()
		return fmt.Errorf("find predictions: %w", c.Request().Context().Err())
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ta.URL+"/test/slow-query", nil)
	gone := make(chan error, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		gone <- err
	}()
	<-entered
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v", err)
	}
	want := `http_requests_total{method="GET",route="/test/slow-query",status="499"} 1`
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(body, want); time.Sleep(10 * time.Millisecond) {
		body, _ = scrape(t, ta)
	}
	if !strings.Contains(body, want) {
		t.Fatalf("/metrics lacks %s:\n%s", want, grepLines(body, "slow-query"))
	}
	if strings.Contains(body, `route="/test/slow-query",status="500"`) {
		t.Error("the request was also counted as a 500")
	}
	logs := grepLines(ta.Logs(), "/test/slow-query")
	if strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "level=DEBUG") || !strings.Contains(logs, "status=499") {
		t.Errorf("log lines of the request:\n%s", logs)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}
