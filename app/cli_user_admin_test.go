package app

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestUserListCommand(t *testing.T) {
	cliEnv(t)
	t.Setenv("BCRYPT_COST", "4")
	t.Setenv(passwordEnv, "fish-password-1")
	for _, args := range [][]string{
		{"--email", "ops@farm.example", "--username", "ops", "--admin"},
		{"--email", "cam@farm.example", "--username", "camera"},
	} {
		if code, _, errs := runUserCLI(t, "", append([]string{"user", "create"}, args...)...); code != 0 {
			t.Fatalf("create %v: %s", args, errs)
		}
	}
	code, out, errs := runUserCLI(t, "", "user", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "USERNAME") ||
		!strings.HasPrefix(lines[1], "ops ") || !strings.Contains(lines[1], "admin") || !strings.HasPrefix(lines[2], "camera ") ||
		!strings.Contains(errs, "2 accounts") {
		t.Fatalf("user list: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runUserCLI(t, "", "user", "list", "--role", "admin", "--json")
	var users []struct {
		Username, Email, Role string
		IsActive              bool `json:"is_active"`
	}
	if err := json.Unmarshal([]byte(out), &users); err != nil || code != 0 {
		t.Fatalf("user list --json: %d %v\n%s", code, err, out)
	}
	if len(users) != 1 || users[0].Username != "ops" || users[0].Role != "admin" || !users[0].IsActive {
		t.Errorf("admins: %+v", users)
	}
	if code, out, _ = runUserCLI(t, "", "user", "list", "--inactive", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("no inactive accounts: %d %q", code, out)
	}
	if code, _, errs = runUserCLI(t, "", "user", "list", "--role", "root"); code != 1 || !strings.Contains(errs, "admin or user") {
		t.Errorf("bad role: %d %q", code, errs)
	}
}

// TestUserSetPasswordCommand: an operator resets a password on the
// server's database; the new one works, the old one and every session
// of the account stop working.
func TestUserSetPasswordCommand(t *testing.T) {
	cliEnv(t)
	t.Setenv("BCRYPT_COST", "4")
	t.Setenv(passwordEnv, "old-password-1")
	if code, _, errs := runUserCLI(t, "", "user", "create", "--email", "nemo@farm.example", "--username", "nemo"); code != 0 {
		t.Fatal(errs)
	}
	cfg, err := (&cli{}).load(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.API.Port = 0
	srv := start(t, cfg, Mode{API: true})
	srv.waitReady(t)
	login := func(password string) (int, map[string]any) {
		form := url.Values{"username": {"nemo"}, "password": {password}}
		resp, body := srv.do(t, "POST", "/api/v1/auth/login", strings.NewReader(form.Encode()),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		var m map[string]any
		json.Unmarshal([]byte(body), &m)
		return resp.StatusCode, m
	}
	status, session := login("old-password-1")
	if status != 200 {
		t.Fatalf("login before: %d %v", status, session)
	}

	t.Setenv(passwordEnv, "")
	code, out, errs := runUserCLI(t, "new-password-2\n", "user", "set-password", "nemo@farm.example")
	if code != 0 || !strings.Contains(out, "set the password of nemo <nemo@farm.example>; signed out 1 sessions") {
		t.Fatalf("set-password: exit %d %q %q", code, out, errs)
	}
	if status, _ := login("old-password-1"); status != 401 {
		t.Errorf("the old password still signs in: %d", status)
	}
	if status, _ := login("new-password-2"); status != 200 {
		t.Errorf("the new password does not sign in: %d", status)
	}
	resp, body := srv.do(t, "POST", "/api/v1/auth/refresh",
		strings.NewReader(`{"refresh_token":"`+session["refresh_token"].(string)+`"}`), map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != 401 {
		t.Errorf("the session from before the reset still refreshes: %d %s", resp.StatusCode, body)
	}

	for _, tc := range []struct {
		stdin, login, want string
	}{
		{"short\n", "nemo", "password: must be at least 8 characters"},
		{"long-enough-1\n", "nobody", "nobody: no such user"},
		{"", "nemo", "no password"},
	} {
		if code, _, errs := runUserCLI(t, tc.stdin, "user", "set-password", tc.login); code != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("set-password %s with %q: exit %d %q, want %q", tc.login, tc.stdin, code, errs, tc.want)
		}
	}
}
