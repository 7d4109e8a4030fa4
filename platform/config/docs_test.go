package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoFile reads a file at the repository root.
func repoFile(t *testing.T, name string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root not found")
		}
		dir = parent
	}
}

// envExample renders .env.example from Keys, so the file cannot drift.
func envExample() string {
	var b strings.Builder
	b.WriteString("# AquaML configuration. Copy to .env and edit; real environment variables win over this file.\n")
	b.WriteString("# Every key is optional: with none set the server runs on embedded SQLite, an in-process Redis and the bundled model.\n")
	for _, k := range Keys {
		b.WriteString("\n# " + k.Help + "\n")
		b.WriteString(k.Name + "=" + k.Default + "\n")
	}
	return b.String()
}

func TestEnvExampleListsEveryKey(t *testing.T) {
	want := envExample()
	if os.Getenv("UPDATE_ENV_EXAMPLE") == "1" {
		dir, _ := os.Getwd()
		if err := os.WriteFile(filepath.Join(dir, "../../.env.example"), []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := repoFile(t, ".env.example"); got != want {
		t.Error(".env.example is out of date with config.Keys; regenerate with UPDATE_ENV_EXAMPLE=1 go test ./platform/config")
	}
}

func TestReadmeDocumentsEveryKey(t *testing.T) {
	readme := repoFile(t, "README.md")
	for _, k := range Keys {
		if !strings.Contains(readme, "| `"+k.Name+"` |") {
			t.Errorf("README.md configuration table lacks %s", k.Name)
		}
	}
}
