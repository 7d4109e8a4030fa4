package app_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/golang-jwt/jwt/v5"
)

// unconfigured returns an override that leaves both secrets unset, as a
// first `docker run` or `aquaml serve` does, with dataDir as DATA_DIR.
func unconfigured(dataDir string, also ...func(*config.Config)) func(*config.Config) {
	return func(c *config.Config) {
		c.Auth.JWTSecretKey, c.Auth.SecretKey, c.DataDir = "", "", dataDir
		for _, f := range also {
			f(c)
		}
	}
}

// TestUnconfiguredSecretsAreRandomAndPrivate: two fresh installations
// sign with different secrets, kept in files only the owner can read.
func TestUnconfiguredSecretsAreRandomAndPrivate(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	a := apptest.New(t, unconfigured(dirA))
	b := apptest.New(t, unconfigured(dirB))
	sa, sb := a.Config().Auth, b.Config().Auth
	if sa.JWTSecretKey == "" || sa.JWTSecretKey == sb.JWTSecretKey || sa.SecretKey == sb.SecretKey || sa.SecretKey == sa.JWTSecretKey {
		t.Fatalf("secrets are not distinct per installation: %q %q / %q %q", sa.JWTSecretKey, sa.SecretKey, sb.JWTSecretKey, sb.SecretKey)
	}
	for _, name := range []string{"jwt_secret_key", "secret_key"} {
		info, err := os.Stat(filepath.Join(dirA, "secrets", name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", name, perm)
		}
	}
	if info, err := os.Stat(filepath.Join(dirA, "secrets")); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("secrets directory: %v %v", info.Mode(), err)
	}
	// A token of one installation means nothing to the other.
	alice := a.NewUser("alice")
	b.Do("GET", b.API("/auth/me"), nil, alice.Auth()).Want(http.StatusUnauthorized)
}

// TestGeneratedSecretSurvivesRestart: a process started again on the same
// DATA_DIR (and database) reads the secret back, so signed-in users stay
// signed in.
func TestGeneratedSecretSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	redisURL := apptest.SharedRedisURL(t)
	first := apptest.New(t, unconfigured(dir, func(c *config.Config) { c.Redis.URL = redisURL }))
	alice := first.NewUser("alice")
	db := first.Config().Database
	again := apptest.New(t, unconfigured(dir, func(c *config.Config) { c.Redis.URL, c.Database = redisURL, db }))
	if again.Config().Auth.JWTSecretKey != first.Config().Auth.JWTSecretKey {
		t.Fatal("the second start made a new secret")
	}
	again.Do("GET", again.API("/auth/me"), nil, alice.Auth()).Want(http.StatusOK)
}

// TestPublishedSecretSignsNothing forges what the old fixed secret
// allowed: alice's genuine token, promoted to admin and signed with the
// string earlier versions used when no secret was set. It is refused, and
// so is configuring that string.
func TestPublishedSecretSignsNothing(t *testing.T) {
	const published = "aquaml-development-secret-change-me"
	ta := apptest.New(t, unconfigured(t.TempDir()))
	alice := ta.NewUser("alice")
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(alice.AccessToken, claims); err != nil {
		t.Fatal(err)
	}
	claims["role"] = "admin"
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(published))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/auth/me", "/users"} {
		ta.Do("GET", ta.API(path), nil, apptest.Bearer(forged)).Want(http.StatusUnauthorized)
	}
	for _, env := range []string{config.EnvDevelopment, config.EnvProduction} {
		cfg := apptest.Config(t)
		cfg.Environment, cfg.Auth.JWTSecretKey = env, published
		cfg.Database.URL, cfg.Redis.URL = "postgres://db/aquaml", "redis://cache:6379/0"
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "JWT_SECRET_KEY: is the development secret published") {
			t.Errorf("%s: configuring the published secret: %v", env, err)
		}
	}
}
