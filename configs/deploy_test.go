package configs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app"
	"github.com/aquaml/aquaml/platform/config"
	"go.yaml.in/yaml/v3"
)

// repoRoot is where the deployment files live; go test runs in configs/.
const repoRoot = ".."

// binary is the path of the aquaml binary inside the image.
const binary = "/aquaml"

func repoPath(rel string) string { return filepath.Join(repoRoot, filepath.FromSlash(rel)) }

func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(repoPath(rel))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// decodeYAML decodes every document of a (possibly multi-document) YAML
// file into a fresh T.
func decodeYAML[T any](t *testing.T, rel string) []T {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readRepoFile(t, rel)))
	var docs []T
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		var doc T
		if err := node.Decode(&doc); err != nil {
			t.Fatalf("%s (line %d): %v", rel, node.Line, err)
		}
		docs = append(docs, doc)
	}
}

// decodeOneYAML decodes a single-document YAML file.
func decodeOneYAML[T any](t *testing.T, rel string) T {
	t.Helper()
	docs := decodeYAML[T](t, rel)
	if len(docs) != 1 {
		t.Fatalf("%s: %d YAML documents, want 1", rel, len(docs))
	}
	return docs[0]
}

// configKey returns the setting named name, if the binary reads one.
func configKey(name string) (config.Key, bool) {
	i := slices.IndexFunc(config.Keys, func(k config.Key) bool { return k.Name == name })
	if i < 0 {
		return config.Key{}, false
	}
	return config.Keys[i], true
}

// defaultOf is the built-in default of a setting that must exist.
func defaultOf(t *testing.T, name string) string {
	t.Helper()
	k, ok := configKey(name)
	if !ok {
		t.Fatalf("config.Keys has no %s", name)
	}
	return k.Default
}

// assertKnownKeys fails for every variable the binary does not read: a
// typo there would be silently ignored at run time.
func assertKnownKeys(t *testing.T, where string, names []string) {
	t.Helper()
	for _, name := range names {
		if _, ok := configKey(name); !ok {
			t.Errorf("%s sets %s, which is not a setting of platform/config (config.Keys)", where, name)
		}
	}
}

// commandError runs the real command line with --help appended: it fails
// for an unknown sub-command or an unknown flag, and runs nothing else.
func commandError(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("%q names no sub-command", args)
	}
	var stdout, stderr bytes.Buffer
	help := append(slices.Clone(args), "--help")
	if code := app.Main(context.Background(), help, &stdout, &stderr); code != 0 {
		return fmt.Errorf("aquaml %s: exit %d: %s", strings.Join(help, " "), code, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func assertCommand(t *testing.T, where string, args []string) {
	t.Helper()
	if err := commandError(args); err != nil {
		t.Errorf("%s: %v", where, err)
	}
}

func TestCommandCheckRejectsWhatTheBinaryRejects(t *testing.T) {
	for _, args := range [][]string{{"serve", "--worker=false"}, {"worker"}, {"healthcheck"}, {"migrate"}} {
		if err := commandError(args); err != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
	for _, args := range [][]string{{}, {"--worker=false"}, {"server"}, {"serve", "--workers=false"}, {"worker", "--worker=false"}} {
		if commandError(args) == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// loadWithEnv loads the configuration the binary would see with exactly env
// set: every other setting is unset, whatever the test process inherited.
func loadWithEnv(t *testing.T, env map[string]string) (config.Config, error) {
	t.Helper()
	for _, k := range config.Keys {
		t.Setenv(k.Name, "")
		if v, ok := env[k.Name]; ok {
			t.Setenv(k.Name, v)
		} else {
			os.Unsetenv(k.Name)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dotenv := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(dotenv, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return config.Load(config.Options{ConfigFile: empty, EnvFile: dotenv})
}

// realSecret is long enough for production and obviously not a default.
const realSecret = "0123456789abcdef0123456789abcdef-test"
