package app

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/database"
	"golang.org/x/crypto/bcrypt"
)

// runUserCLI runs the command line with stdin, like a shell pipe would.
func runUserCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot(context.Background(), args, &out, &errb)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		errb.WriteString("aquaml: " + err.Error() + "\n")
		return 1, out.String(), errb.String()
	}
	return 0, out.String(), errb.String()
}

type storedUser struct {
	Email, Username, FullName, PasswordHash, Role string
	IsActive                                      bool
}

func lookupUser(t *testing.T, username string) (storedUser, bool) {
	t.Helper()
	cfg, err := (&cli{}).load(nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := database.Open(database.Options{URL: cfg.Database.URL, SQLitePath: cfg.Database.SQLitePath, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var rows []storedUser
	if err := d.Raw("SELECT email, username, full_name, password_hash, role, is_active FROM users WHERE username = ?",
		username).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		return storedUser{}, false
	}
	return rows[0], true
}

func TestUserCreateCommand(t *testing.T) {
	cliEnv(t) // a fresh, unmigrated database: the command migrates it
	t.Setenv("BCRYPT_COST", "4")
	t.Setenv(passwordEnv, "")

	code, out, errs := runUserCLI(t, "admin-password-1\n",
		"user", "create", "--email", "Ops@Farm.Example", "--username", "ops", "--full-name", "Farm Ops", "--admin")
	if code != 0 || !strings.HasPrefix(out, "created admin ops <ops@farm.example>") {
		t.Fatalf("create admin from stdin: exit %d, out %q, err %q", code, out, errs)
	}
	u, ok := lookupUser(t, "ops")
	if !ok || u.Role != "admin" || !u.IsActive || u.Email != "ops@farm.example" || u.FullName != "Farm Ops" {
		t.Fatalf("stored %+v", u)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("admin-password-1")) != nil {
		t.Error("the stored hash does not match the password read from stdin")
	}
	if cost, _ := bcrypt.Cost([]byte(u.PasswordHash)); cost != 4 {
		t.Errorf("bcrypt cost %d, want BCRYPT_COST 4", cost)
	}

	t.Setenv(passwordEnv, "env-password-1")
	code, out, errs = runUserCLI(t, "", "user", "create", "--email", "cam@farm.example", "--username", "camera")
	if code != 0 || !strings.HasPrefix(out, "created user camera") {
		t.Fatalf("create user from %s: exit %d, out %q, err %q", passwordEnv, code, out, errs)
	}
	if u, _ := lookupUser(t, "camera"); u.Role != "user" ||
		bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("env-password-1")) != nil {
		t.Errorf("camera stored as %+v, or the hash is not of %s", u, passwordEnv)
	}

	tests := []struct {
		name    string
		env     string
		stdin   string
		args    []string
		wantErr string
	}{
		{"duplicate email", "env-password-1", "", []string{"--email", "OPS@farm.example", "--username", "ops2"}, "email: this email is already registered"},
		{"duplicate username", "env-password-1", "", []string{"--email", "x@farm.example", "--username", "ops"}, "username: this username is already taken"},
		{"invalid fields", "short", "", []string{"--email", "nope", "--username", "Xyz"}, "email: is not a valid email address; password: must be at least 8 characters; username: may contain only"},
		{"password over 72 bytes", strings.Repeat("p", 73), "", []string{"--email", "y@farm.example", "--username", "yyy"}, "password: must be at most 72 bytes"},
		{"no password anywhere", "", "", []string{"--email", "z@farm.example", "--username", "zzz"}, "no password: set " + passwordEnv},
		{"empty first line", "", "\nsecret-password\n", []string{"--email", "z@farm.example", "--username", "zzz"}, "no password"},
		{"missing username", "env-password-1", "", []string{"--email", "z@farm.example"}, `required flag(s) "username" not set`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(passwordEnv, tt.env)
			code, out, errs := runUserCLI(t, tt.stdin, append([]string{"user", "create"}, tt.args...)...)
			if code != 1 || !strings.Contains(errs, tt.wantErr) || out != "" {
				t.Errorf("exit %d, out %q, err %q; want failure mentioning %q", code, out, errs, tt.wantErr)
			}
		})
	}
	if _, ok := lookupUser(t, "zzz"); ok {
		t.Error("a failed command created an account")
	}
}

func TestUserCreateRespectsMigrateOnStart(t *testing.T) {
	cliEnv(t)
	t.Setenv("MIGRATE_ON_START", "false")
	t.Setenv(passwordEnv, "admin-password-1")
	code, _, errs := runUserCLI(t, "", "user", "create", "--email", "a@farm.example", "--username", "ops")
	if code != 1 || !strings.Contains(errs, "aquaml migrate up") {
		t.Errorf("exit %d, err %q; want a pointer to `aquaml migrate up`", code, errs)
	}
}
