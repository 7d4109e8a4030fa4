package app_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/testkit/nettest"
)

// TestDatabaseDownAnswers503: with the database gone (Postgres behind a
// proxy that is cut, or the SQLite handle closed), callers are told the
// database is unavailable and when to retry, never a bare 500; /ready
// says which dependency is down.
func TestDatabaseDownAnswers503(t *testing.T) {
	var proxy *nettest.Proxy
	ta := apptest.New(t, func(c *config.Config) {
		if c.Database.URL != "" {
			c.Database.URL, proxy = nettest.Behind(t, c.Database.URL)
		}
	})
	alice := ta.NewUser("alice")
	if proxy != nil {
		proxy.Cut()
	} else {
		ta.DB.SQL.Close()
	}
	tests := []struct {
		name, method, path string
		body               any
		headers            map[string]string
	}{
		{"login", "POST", ta.API("/auth/login"), url.Values{"username": {"alice"}, "password": {apptest.Password}}, nil},
		{"register", "POST", ta.API("/auth/register"), map[string]string{"email": "bob@example.com", "username": "bob", "password": apptest.Password}, nil},
		{"history", "GET", ta.API("/predictions"), nil, alice.Auth()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ta.Do(tt.method, tt.path, tt.body, tt.headers)
			if res.Status != http.StatusServiceUnavailable {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			if code := res.Error().Code; code != "database_unavailable" {
				t.Errorf("code %q", code)
			}
			if res.Header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
		})
	}
	res := ta.Do("GET", "/ready", nil, nil)
	if res.Status != http.StatusServiceUnavailable || !strings.Contains(string(res.Body), `"database":{"status":"down"`) {
		t.Errorf("/ready: %d %s", res.Status, res.Body)
	}
}

// TestFullDatabaseAnswers507 fills the embedded database (SQLite's
// max_page_count stands in for a full disk: both end in SQLITE_FULL) and
// signs up until a write fails: the caller hears the server is out of
// storage (507), not a 500.
func TestFullDatabaseAnswers507(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) {
		c.Database.URL, c.Database.SQLitePath = "", filepath.Join(t.TempDir(), "full.db")
	})
	// The limit is per connection: keep one, and cap it at today's size.
	ta.DB.SQL.SetMaxOpenConns(1)
	if err := ta.DB.Exec("PRAGMA max_page_count = 1").Error; err != nil {
		t.Fatal(err)
	}
	var res *apptest.Response
	for i := range 200 {
		name := "user" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + itoa(i)
		res = ta.Do("POST", ta.API("/auth/register"),
			map[string]string{"email": name + "@example.com", "username": name, "password": apptest.Password}, nil)
		if res.Status != http.StatusCreated {
			break
		}
	}
	if res.Status != http.StatusInsufficientStorage {
		t.Fatalf("sign-up on a full database: %d %s", res.Status, res.Body)
	}
	if code := res.Error().Code; code != "insufficient_storage" {
		t.Errorf("code %q", code)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
