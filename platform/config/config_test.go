package config

import (
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// isolate runs the test in an empty directory with none of the keys set in
// the environment, so the developer's own shell cannot leak in.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	for _, k := range Keys {
		if v, ok := os.LookupEnv(k.Name); ok {
			t.Setenv(k.Name, v) // restores the value afterwards
			os.Unsetenv(k.Name)
		}
	}
	return dir
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultsNeedNoConfiguration(t *testing.T) {
	isolate(t)
	c, err := Load(Options{})
	if err != nil {
		t.Fatalf("Load with nothing set: %v", err)
	}
	if c.API.Port != 8000 || c.API.V1Prefix != "/api/v1" || c.HTTP.BodyLimit != 20<<20 {
		t.Errorf("defaults: port %d prefix %q body %d", c.API.Port, c.API.V1Prefix, c.HTTP.BodyLimit)
	}
	if c.Database.URL != "" || c.Database.SQLitePath != "./data/aquaml.db" || c.Redis.URL != "" {
		t.Errorf("defaults should select the embedded stores: %+v %+v", c.Database, c.Redis)
	}
	if c.Auth.JWTExpire != 30*time.Minute || c.Auth.JWTAlgorithm != "HS256" {
		t.Errorf("jwt defaults: %v %s", c.Auth.JWTExpire, c.Auth.JWTAlgorithm)
	}
	if c.Auth.JWTSecretKey != "" || c.Auth.SecretKey != "" || c.DataDir != "./data" {
		t.Errorf("secrets default to empty (generated under DATA_DIR): %q %q %q", c.Auth.JWTSecretKey, c.Auth.SecretKey, c.DataDir)
	}
}

func TestPrecedence(t *testing.T) {
	// Each layer sets API_PORT; the highest one present must win.
	tests := []struct {
		name                    string
		yaml, dotenv, env, flag string
		want                    int
	}{
		{name: "default", want: 8000},
		{name: "config.yaml over default", yaml: "8001", want: 8001},
		{name: ".env over config.yaml", yaml: "8001", dotenv: "8002", want: 8002},
		{name: "environment over .env", yaml: "8001", dotenv: "8002", env: "8003", want: 8003},
		{name: "flag over environment", yaml: "8001", dotenv: "8002", env: "8003", flag: "8004", want: 8004},
		{name: "flag over config.yaml alone", yaml: "8001", flag: "8004", want: 8004},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := isolate(t)
			if tt.yaml != "" {
				write(t, filepath.Join(dir, "configs/config.yaml"), "api_port: "+tt.yaml+"\nPROJECT_NAME: FromYAML\n")
			}
			if tt.dotenv != "" {
				write(t, filepath.Join(dir, ".env"), "API_PORT="+tt.dotenv+"\n")
			}
			if tt.env != "" {
				t.Setenv("API_PORT", tt.env)
			}
			fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
			fs.Int("port", 8000, "")
			if tt.flag != "" {
				if err := fs.Parse([]string{"--port", tt.flag}); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Load(Options{Flags: map[string]*pflag.Flag{"API_PORT": fs.Lookup("port")}})
			if err != nil {
				t.Fatal(err)
			}
			if c.API.Port != tt.want {
				t.Errorf("API_PORT = %d, want %d", c.API.Port, tt.want)
			}
			if tt.yaml != "" && c.ProjectName != "FromYAML" {
				t.Errorf("upper-case yaml key not read: %q", c.ProjectName)
			}
		})
	}
}

func TestBadValuesNameTheKey(t *testing.T) {
	tests := []struct {
		key, value, want string
	}{
		{"JWT_EXPIRE_MINUTES", "abc", `config: JWT_EXPIRE_MINUTES: "abc" is not an integer`},
		{"API_PORT", "70000", "config: API_PORT: must be between 0 and 65535"},
		{"DEBUG", "maybe", `config: DEBUG: "maybe" is not a boolean (true/false)`},
		{"READ_TIMEOUT", "soon", `config: READ_TIMEOUT: "soon" is not a duration (e.g. 30s)`},
		{"LOG_LEVEL", "LOUD", `config: LOG_LEVEL: "LOUD" is not a log level (DEBUG, INFO, WARNING, ERROR)`},
		{"CORS_ORIGINS", `["a",`, `config: CORS_ORIGINS: "[\"a\"," is not a JSON list of strings`},
		{"ENVIRONMENT", "staging", "config: ENVIRONMENT: must be development, test or production"},
		{"JWT_ALGORITHM", "none", "config: JWT_ALGORITHM: must be HS256, HS384 or HS512"},
		{"BCRYPT_COST", "3", "config: BCRYPT_COST: must be between 4 and 31"},
		{"DATABASE_URL", "mysql://x", "config: DATABASE_URL: must be a postgres:// URL (or empty for the embedded SQLite)"},
		{"REDIS_URL", "http://x", "config: REDIS_URL: must be a redis:// or rediss:// URL (or empty for the in-process Redis)"},
		{"INFERENCE_DEVICE", "cuda", "config: INFERENCE_DEVICE: must be cpu: this build runs inference on the CPU"},
		{"BATCH_SIZE", "0", "config: BATCH_SIZE: must be between 1 and 256"},
		{"TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/33", `config: TRUSTED_PROXIES: "10.0.0.0/33" is not an IP address or CIDR range`},
		{"FIRST_ADMIN_EMAIL", "a@b.c", "config: FIRST_ADMIN_PASSWORD: FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD go together"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			isolate(t)
			t.Setenv(tt.key, tt.value)
			_, err := Load(Options{})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

func TestListsAcceptJSONAndCommas(t *testing.T) {
	for _, raw := range []string{`["https://a.example","https://b.example"]`, "https://a.example, https://b.example"} {
		isolate(t)
		t.Setenv("CORS_ORIGINS", raw)
		c, err := Load(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(c.CORS.Origins) != "[https://a.example https://b.example]" {
			t.Errorf("%s -> %q", raw, c.CORS.Origins)
		}
	}
}

func TestProductionRefusesUnsafeSettings(t *testing.T) {
	strong := strings.Repeat("s", 40)
	stores := map[string]string{"DATABASE_URL": "postgres://db/aquaml", "REDIS_URL": "redis://cache:6379/0"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(stores)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"no database server", map[string]string{"REDIS_URL": "redis://cache:6379/0"}, "config: DATABASE_URL: must be set in production; the embedded SQLite serves one process only"},
		{"no Redis server", map[string]string{"DATABASE_URL": "postgres://db/aquaml"}, "config: REDIS_URL: must be set in production; the in-process Redis keeps nothing and no worker can reach it, so batches would never run"},
		{"no secrets: generated at start", with(), ""},
		{"empty secrets: generated at start", with("JWT_SECRET_KEY", "", "SECRET_KEY", ""), ""},
		{"short secret", with("JWT_SECRET_KEY", "short", "SECRET_KEY", strong), "config: JWT_SECRET_KEY: must be at least 32 characters in production"},
		{"published secret", with("SECRET_KEY", "aquaml-development-secret-change-me"), "config: SECRET_KEY: is the development secret published with earlier versions, which anyone can sign with; remove it (a random one is generated and kept in DATA_DIR) or set your own"},
		{"wildcard with credentials", with("JWT_SECRET_KEY", strong, "SECRET_KEY", strong, "CORS_ORIGINS", "*", "CORS_ALLOW_CREDENTIALS", "true"), "config: CORS_ORIGINS: origin * with CORS_ALLOW_CREDENTIALS=true is refused in production; list the origins"},
		{"real secrets", with("JWT_SECRET_KEY", strong, "SECRET_KEY", strong+"x"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			t.Setenv("ENVIRONMENT", "production")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := Load(Options{})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Fatalf("error = %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestLoggedConfigMasksSecrets(t *testing.T) {
	isolate(t)
	t.Setenv("JWT_SECRET_KEY", "super-secret-jwt-value")
	t.Setenv("DATABASE_URL", "postgres://app:hunter2@db:5432/aquaml")
	t.Setenv("REDIS_URL", "redis://:redispass@cache:6379/0")
	c, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	slog.New(slog.NewTextHandler(&sb, nil)).Info("config", "config", c)
	out := sb.String()
	for _, secret := range []string{"super-secret-jwt-value", "hunter2", "redispass"} {
		if strings.Contains(out, secret) {
			t.Errorf("logged config leaks %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "db:5432") {
		t.Errorf("logged config lost the database host: %s", out)
	}
}

func TestExplicitMissingConfigFileFails(t *testing.T) {
	isolate(t)
	if _, err := Load(Options{ConfigFile: "nope.yaml"}); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("want an error naming the file, got %v", err)
	}
}
