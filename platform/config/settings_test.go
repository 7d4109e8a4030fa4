package config

import (
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

var envName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

func TestDeclarations(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Keys {
		if !envName.MatchString(k.Name) || seen[k.Name] {
			t.Errorf("%q: not an upper-case variable name, or declared twice", k.Name)
		}
		seen[k.Name] = true
		if k.Help == "" {
			t.Errorf("%s has no help text: .env.example and README would show nothing", k.Name)
		}
	}
	// Tags cannot name constants, so these defaults repeat them; secrets
	// have none, so nothing anybody can read here signs a token.
	for name, want := range map[string]string{"SECRET_KEY": "", "JWT_SECRET_KEY": "", "ENVIRONMENT": EnvDevelopment} {
		if got := keyNamed(t, name).Default; got != want {
			t.Errorf("%s defaults to %q, want %q", name, got, want)
		}
	}
}

func keyNamed(t *testing.T, name string) Key {
	t.Helper()
	for _, k := range Keys {
		if k.Name == name {
			return k
		}
	}
	t.Fatalf("no setting %s", name)
	return Key{}
}

// TestMalformedDeclarationsStopTheProgram: a tag mistake must fail at
// start, not turn into a setting that silently reads as zero.
func TestMalformedDeclarationsStopTheProgram(t *testing.T) {
	intType, stringType := reflect.TypeFor[int](), reflect.TypeFor[string]()
	tests := []struct {
		name string
		typ  reflect.Type
		tag  reflect.StructTag
	}{
		{"field without env tag", intType, ""},
		{"unknown unit", intType, `env:"X" default:"1" unit:"parsec"`},
		{"unknown norm", stringType, `env:"X" norm:"title"`},
		{"bad default", intType, `env:"X" default:"ten"`},
		{"bad bound", durationType, `env:"X" default:"1s" min:"soon"`},
		{"bound on a string", stringType, `env:"X" min:"1"`},
		{"two kinds of rule", stringType, `env:"X" default:"a" required:"true" oneof:"a b"`},
		{"no reader for the type", reflect.TypeFor[float64](), `env:"X"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("declared without a panic")
				}
			}()
			declare(reflect.StructOf([]reflect.StructField{{Name: "X", Type: tt.typ, Tag: tt.tag}}), nil)
		})
	}
}

func TestRulesSayWhatTheyCheck(t *testing.T) {
	type decl struct {
		Port  int           `env:"PORT" default:"1" min:"0" max:"65535"`
		Pool  int           `env:"POOL" default:"1" min:"1"`
		Grace time.Duration `env:"GRACE" default:"1s" min:"0"`
		Wait  time.Duration `env:"WAIT" default:"1s" gt:"0"`
		Limit int64         `env:"LIMIT_MB" default:"1" unit:"MB" min:"2"`
		Alg   string        `env:"ALG" default:"HS256" oneof:"HS256 HS384 HS512"`
		Dir   string        `env:"DIR" default:"x" required:"true"`
	}
	want := map[string]string{
		"PORT":     "must be between 0 and 65535",
		"POOL":     "must be at least 1",
		"GRACE":    "must not be negative",
		"WAIT":     "must be positive",
		"LIMIT_MB": "must be at least 2",
		"ALG":      "must be HS256, HS384 or HS512",
		"DIR":      "must be set",
	}
	for _, s := range declare(reflect.TypeFor[decl](), nil) {
		if s.fail != want[s.Name] {
			t.Errorf("%s fails with %q, want %q", s.Name, s.fail, want[s.Name])
		}
	}
	limit := declare(reflect.TypeFor[decl](), nil)[4]
	if limit.valid(reflect.ValueOf(int64(2<<20-1))) || !limit.valid(reflect.ValueOf(int64(2<<20))) {
		t.Error("LIMIT_MB min 2 should mean 2 MB in bytes")
	}
}

// TestLoggedConfigMasksEverySecret: whatever is declared secret stays out
// of the start-up log, the setting's own tag being the list.
func TestLoggedConfigMasksEverySecret(t *testing.T) {
	var c Config
	fields := reflect.ValueOf(&c).Elem()
	var leaks []string
	for _, s := range settings {
		if !s.Secret {
			continue
		}
		leak := "leak-" + strings.ToLower(s.Name)
		fields.FieldByIndex(s.index).SetString("postgres://user:" + leak + "@host:5432/db")
		leaks = append(leaks, leak)
	}
	if len(leaks) < 5 {
		t.Fatalf("only %d secrets declared: %v", len(leaks), leaks)
	}
	var sb strings.Builder
	slog.New(slog.NewTextHandler(&sb, nil)).Info("config", "config", c)
	for _, leak := range leaks {
		if strings.Contains(sb.String(), leak) {
			t.Errorf("logged config leaks %s: %s", leak, sb.String())
		}
	}
}
