package webapp_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// browser is a cookie-keeping client that does not follow redirects, so
// tests see what the server answered.
type httpClient struct {
	t    *testing.T
	ta   *apptest.TestApp
	c    *http.Client
	base *url.URL
}

func newHTTPClient(t *testing.T, ta *apptest.TestApp) *httpClient {
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(ta.URL)
	return &httpClient{t: t, ta: ta, base: base, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *httpClient) do(method, path string, form url.Values, headers map[string]string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.ta.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res, string(raw)
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// formToken loads a page and returns the CSRF token its forms carry.
func (b *httpClient) formToken(path string) string {
	b.t.Helper()
	res, body := b.do("GET", path, nil, nil)
	if res.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("GET %s: no CSRF token in the form", path)
	}
	return m[1]
}

func (b *httpClient) signIn(name, password string) {
	b.t.Helper()
	tok := b.formToken("/app/signin")
	res, _ := b.do("POST", "/app/signin", url.Values{"csrf_token": {tok}, "username": {name}, "password": {password}}, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/app/classify" {
		b.t.Fatalf("sign in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func (b *httpClient) cookie(name string) string {
	for _, c := range b.c.Jar.Cookies(b.base) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func wantSecurityHeaders(t *testing.T, path string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", path, csp, want)
		}
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", path, got)
	}
	if got := h.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("%s: Referrer-Policy %q", path, got)
	}
}

func TestPagesSendSecurityHeaders(t *testing.T) {
	ta := apptest.New(t, nil)
	b := newHTTPClient(t, ta)
	for _, path := range []string{"/app/signin", "/app/register", "/app/static/app.js", "/app/static/app.css", "/app/classify"} {
		res, _ := b.do("GET", path, nil, nil)
		if res.StatusCode >= 400 {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
		wantSecurityHeaders(t, path, res.Header)
	}
	for _, path := range []string{"/app/static/", "/app/static/nothing.js"} {
		if res, _ := b.do("GET", path, nil, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	b.signIn(apptest.AdminEmail, apptest.AdminPassword)
	for _, path := range []string{"/app/classify", "/app/history", "/app/batches", "/app/datasets", "/app/datasets/some-id",
		"/app/training", "/app/training/some-id", "/app/models", "/app/operations"} {
		res, body := b.do("GET", path, nil, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
		wantSecurityHeaders(t, path, res.Header)
		if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
			t.Errorf("GET %s names another origin", path)
		}
	}
}

func TestBrowsersAreSentToTheApp(t *testing.T) {
	ta := apptest.New(t, nil)
	b := newHTTPClient(t, ta)
	res, _ := b.do("GET", "/", nil, map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/app/" {
		t.Errorf("a browser at /: %d to %q, want 302 to /app/", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := b.do("GET", "/", nil, map[string]string{"Accept": "application/json"})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"openapi"`) {
		t.Errorf("an API client at /: %d %s", res.StatusCode, body)
	}
	res, _ = b.do("GET", "/app/history?label=x", nil, nil)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || loc != "/app/signin?next=%2Fapp%2Fhistory%3Flabel%3Dx" {
		t.Errorf("a signed-out page: %d to %q", res.StatusCode, loc)
	}
}

func TestFormsWithoutTheCSRFTokenAreRefused(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("nemo")
	b := newHTTPClient(t, ta)
	tok := b.formToken("/app/signin")
	creds := url.Values{"username": {"nemo"}, "password": {apptest.Password}}
	if res, _ := b.do("POST", "/app/signin", creds, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign in without the token: %d, want 403", res.StatusCode)
	}
	creds.Set("csrf_token", tok+"x")
	if res, _ := b.do("POST", "/app/signin", creds, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign in with a wrong token: %d, want 403", res.StatusCode)
	}
	b.signIn("nemo", apptest.Password)
	if res, _ := b.do("POST", "/app/signout", url.Values{}, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign out without the token: %d, want 403", res.StatusCode)
	}
	// An API write with the cookie but not the header (what a cross-site
	// form can send) is refused; with the header it goes through.
	key := url.Values{"name": {"x"}}
	if res, _ := b.do("POST", ta.API("/auth/api-keys"), key, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("API write with the cookie and no CSRF header: %d, want 403", res.StatusCode)
	}
	res, body := b.do("GET", ta.API("/auth/me"), nil, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"nemo"`) {
		t.Errorf("API read with the cookie: %d %s", res.StatusCode, body)
	}
}

func TestCookieSession(t *testing.T) {
	ta := apptest.New(t, nil)
	b := newHTTPClient(t, ta)
	tok := b.formToken("/app/register")
	res, body := b.do("POST", "/app/register", url.Values{"csrf_token": {tok}, "email": {"dory@example.com"},
		"username": {"dory"}, "password": {"short"}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="password-error"`) {
		t.Errorf("a short password: %d, want 422 naming the field", res.StatusCode)
	}
	res, _ = b.do("POST", "/app/register", url.Values{"csrf_token": {tok}, "email": {"dory@example.com"},
		"username": {"dory"}, "password": {apptest.Password}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d", res.StatusCode)
	}
	before := b.cookie("aquaml_csrf")
	tok = b.formToken("/app/signin")
	res, _ = b.do("POST", "/app/signin", url.Values{"csrf_token": {tok}, "username": {"dory"}, "password": {apptest.Password}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	for _, c := range res.Cookies() {
		if c.Name == "aquaml_session" && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure) {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", c)
		}
	}
	if b.cookie("aquaml_csrf") == before {
		t.Error("the CSRF token did not change at sign-in")
	}
	access := b.cookie("aquaml_session")
	if r := ta.Do("GET", ta.API("/auth/me"), nil, apptest.Bearer(access)); r.Status != http.StatusOK {
		t.Errorf("the cookie's token is not an API session: %d", r.Status)
	}
	tok = b.formToken("/app/classify")
	res, _ = b.do("POST", "/app/signout", url.Values{"csrf_token": {tok}}, nil)
	if res.StatusCode != http.StatusSeeOther || b.cookie("aquaml_session") != "" {
		t.Fatalf("sign out: %d, cookie %q", res.StatusCode, b.cookie("aquaml_session"))
	}
	if r := ta.Do("GET", ta.API("/auth/me"), nil, apptest.Bearer(access)); r.Status != http.StatusUnauthorized {
		t.Errorf("after signing out the session still works: %d", r.Status)
	}
}

// An expired access token is renewed from the refresh cookie on the next
// page load; a refresh token that no longer works sends the browser to
// sign in.
func TestPagesRenewTheSession(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("nemo")
	b := newHTTPClient(t, ta)
	b.signIn("nemo", apptest.Password)
	old := b.cookie("aquaml_session")
	b.c.Jar.SetCookies(b.base, []*http.Cookie{{Name: "aquaml_session", Value: "expired", Path: "/"}})
	res, _ := b.do("GET", "/app/history", nil, nil)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/app/history" {
		t.Fatalf("a page with an expired session: %d to %q, want 302 back to it", res.StatusCode, res.Header.Get("Location"))
	}
	renewed := b.cookie("aquaml_session")
	if renewed == "" || renewed == "expired" || renewed == old {
		t.Fatalf("the session cookie was not renewed: %q", renewed)
	}
	if res, _ := b.do("GET", "/app/history", nil, nil); res.StatusCode != http.StatusOK {
		t.Errorf("the page after renewing: %d", res.StatusCode)
	}
	if r := ta.Do("GET", ta.API("/auth/me"), nil, apptest.Bearer(renewed)); r.Status != http.StatusOK {
		t.Errorf("the renewed cookie is not an API session: %d", r.Status)
	}
	b.c.Jar.SetCookies(b.base, []*http.Cookie{{Name: "aquaml_session", Value: "expired", Path: "/"},
		{Name: "aquaml_refresh", Value: "no-such-token", Path: "/app/"}})
	res, _ = b.do("GET", "/app/history", nil, nil)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/app/signin") {
		t.Errorf("a page with a dead refresh token: %d to %q, want the sign-in page", res.StatusCode, loc)
	}
}

func TestCookiesAreSecureBehindTLS(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("nemo")
	b := newHTTPClient(t, ta)
	tok := b.formToken("/app/signin")
	res, _ := b.do("POST", "/app/signin", url.Values{"csrf_token": {tok}, "username": {"nemo"}, "password": {apptest.Password}},
		map[string]string{"X-Forwarded-Proto": "https"})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	seen := 0
	for _, c := range res.Cookies() {
		if strings.HasPrefix(c.Name, "aquaml_") {
			seen++
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie %s over TLS: Secure %v HttpOnly %v SameSite %v", c.Name, c.Secure, c.HttpOnly, c.SameSite)
			}
		}
	}
	if seen != 3 {
		t.Errorf("%d session cookies set, want session, refresh and CSRF", seen)
	}
}

func TestSignInOnlyGoesOnWithinTheApp(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("nemo")
	for next, want := range map[string]string{
		"/app/history?label=x":  "/app/history?label=x",
		"https://evil.example/": "/app/classify",
		"//evil.example/app/":   "/app/classify",
		"/app//evil.example":    "/app/classify",
		"/app/../../x":          "/app/classify",
	} {
		b := newHTTPClient(t, ta)
		tok := b.formToken("/app/signin")
		res, _ := b.do("POST", "/app/signin", url.Values{"csrf_token": {tok}, "username": {"nemo"},
			"password": {apptest.Password}, "next": {next}}, nil)
		if got := res.Header.Get("Location"); got != want {
			t.Errorf("next=%s: to %q, want %q", next, got, want)
		}
	}
}
