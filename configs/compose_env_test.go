package configs

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// composeOnlyVars are read by Compose itself (interpolation), never by the
// binary.
var composeOnlyVars = []string{"AQUAML_VERSION", "POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD"}

var interpolation = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// interpolate resolves ${VAR}, ${VAR:-default} and ${VAR:?error} the way
// Compose does, with vars standing in for the user's .env.
func interpolate(s string, vars map[string]string) (string, error) {
	var err error
	out := interpolation.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		g := interpolation.FindStringSubmatch(m)
		val := vars[g[1]]
		switch g[2] {
		case ":-":
			if val == "" {
				return g[3]
			}
		case ":?":
			if val == "" && err == nil {
				err = fmt.Errorf("required variable %s is missing: %s", g[1], g[3])
			}
		case "":
		default:
			if err == nil {
				err = fmt.Errorf("${%s%s...}: form not used in this file", g[1], g[2])
			}
		}
		return val
	})
	return out, err
}

// TestComposeEnvironmentStartsInProduction resolves the api and worker
// environments as Compose would and loads them with the real config
// loader: with or without the user's secrets the configuration is valid
// production pointing at the postgres and redis services.
func TestComposeEnvironmentStartsInProduction(t *testing.T) {
	c := loadCompose(t)
	userEnv := map[string]string{"JWT_SECRET_KEY": realSecret, "SECRET_KEY": realSecret}
	for _, name := range aquamlServices {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range c.Services[name].Environment {
				resolved, err := interpolate(v, userEnv)
				if err != nil {
					t.Fatalf("%s: %v", k, err)
				}
				env[k] = resolved
			}
			cfg, err := loadWithEnv(t, env)
			if err != nil {
				t.Fatalf("the %s container would not start: %v", name, err)
			}
			if !cfg.IsProduction() {
				t.Errorf("ENVIRONMENT %q, want production", cfg.Environment)
			}
			assertServiceURL(t, cfg.Database.URL, "postgres", "5432")
			assertServiceURL(t, cfg.Redis.URL, "redis", "6379")
			pg := c.Services["postgres"].Environment
			if u, err := url.Parse(cfg.Database.URL); err == nil {
				if u.User.Username() != pg["POSTGRES_USER"] || strings.TrimPrefix(u.Path, "/") != pg["POSTGRES_DB"] {
					t.Errorf("DATABASE_URL user/db %s%s, postgres creates %s/%s", u.User.Username(), u.Path, pg["POSTGRES_USER"], pg["POSTGRES_DB"])
				}
			}
			// Without the user's secrets the container still starts in
			// production, with them empty: it generates them under
			// DATA_DIR (the image's /data), which every aquaml service
			// mounts from the one shared volume.
			bare := map[string]string{}
			for k, v := range c.Services[name].Environment {
				resolved, err := interpolate(v, map[string]string{})
				if err != nil {
					t.Fatalf("without secrets in .env: %s: %v", k, err)
				}
				bare[k] = resolved
			}
			cfg, err = loadWithEnv(t, bare)
			if err != nil {
				t.Fatalf("without secrets in .env the %s container would not start: %v", name, err)
			}
			if !cfg.IsProduction() || cfg.Auth.JWTSecretKey != "" || cfg.Auth.SecretKey != "" {
				t.Errorf("without secrets in .env: production %v, secrets %q %q", cfg.IsProduction(), cfg.Auth.JWTSecretKey, cfg.Auth.SecretKey)
			}
			assertNamedVolume(t, c, name, "/data")
		})
	}
}

func assertServiceURL(t *testing.T, raw, host, port string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() != host || u.Port() != port {
		t.Errorf("URL %q, want the %s service on port %s", raw, host, port)
	}
}

func TestComposeInterpolatesOnlyKnownVariables(t *testing.T) {
	raw := readRepoFile(t, composeFile)
	matches := interpolation.FindAllStringSubmatch(string(raw), -1)
	if len(matches) == 0 {
		t.Fatal("no ${...} found: the secrets must come from the user's .env")
	}
	for _, m := range matches {
		name := m[1]
		if name == "" || slices.Contains(composeOnlyVars, name) {
			continue
		}
		if _, ok := configKey(name); !ok {
			t.Errorf("${%s} is neither a setting of config.Keys nor a Compose-only variable %v", name, composeOnlyVars)
		}
	}
}

func TestInterpolate(t *testing.T) {
	vars := map[string]string{"SET": "v", "EMPTY": ""}
	for in, want := range map[string]string{
		"a${SET}b": "avb", "${SET:-d}": "v", "${EMPTY:-d}": "d", "${UNSET:-d}": "d", "${SET:?m}": "v", "$$SET": "$SET",
	} {
		if got, err := interpolate(in, vars); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"${EMPTY:?m}", "${UNSET:?m}"} {
		if _, err := interpolate(in, vars); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}
