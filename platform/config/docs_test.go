package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite .env.example and README's configuration table from the declarations in config.go")

// regenerate is the command the failures point to.
const regenerate = "go test ./platform/config -run TestDocs -update"

// README's table lies between these lines, so the prose around it stays
// hand-written.
const (
	tableBegin = "<!-- config table: generated from platform/config/config.go by `" + regenerate + "` -->\n"
	tableEnd   = "<!-- end of config table -->\n"
)

// repoRoot finds the repository root from the package directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root not found")
		}
		dir = parent
	}
}

// envExample renders .env.example: every setting with its help and default.
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

// readmeTable renders README's configuration table.
func readmeTable() string {
	var b strings.Builder
	b.WriteString("| Variable | Default | Meaning |\n|---|---|---|\n")
	for _, k := range Keys {
		def := "`" + k.Default + "`"
		if k.Default == "" {
			def = "(empty)"
		}
		b.WriteString("| `" + k.Name + "` | " + def + " | " + k.Help + " |\n")
	}
	return b.String()
}

// withTable replaces the generated block of readme; ok is false when the
// markers are missing.
func withTable(readme, table string) (_ string, ok bool) {
	before, rest, ok := strings.Cut(readme, tableBegin)
	if !ok {
		return readme, false
	}
	_, after, ok := strings.Cut(rest, tableEnd)
	if !ok {
		return readme, false
	}
	// Blank lines around the table keep Markdown from reading the
	// comments and the table as one HTML block.
	return before + tableBegin + "\n" + table + "\n" + tableEnd + after, true
}

// TestDocs keeps what users read in step with the declarations: the files
// are rewritten with -update and must otherwise already match.
func TestDocs(t *testing.T) {
	root := repoRoot(t)
	check := func(name string, render func(current string) (string, bool)) {
		path := filepath.Join(root, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, ok := render(string(raw))
		if !ok {
			t.Fatalf("%s: the generated block's markers are missing:\n%s%s", name, tableBegin, tableEnd)
		}
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		if string(raw) != want {
			t.Errorf("%s is out of date with the declarations in platform/config/config.go; regenerate with `%s`", name, regenerate)
		}
	}
	check(".env.example", func(string) (string, bool) { return envExample(), true })
	check("README.md", func(current string) (string, bool) { return withTable(current, readmeTable()) })
}

// TestDocsListEveryKey guards the renderers themselves: a key missing from
// what they write would go unnoticed by a comparison with their own output.
func TestDocsListEveryKey(t *testing.T) {
	env, table := envExample(), readmeTable()
	for _, k := range Keys {
		if !strings.Contains(env, "\n"+k.Name+"="+k.Default+"\n") {
			t.Errorf(".env.example lacks %s=%s", k.Name, k.Default)
		}
		if !strings.Contains(table, "| `"+k.Name+"` |") || !strings.Contains(table, k.Help) {
			t.Errorf("README.md configuration table lacks %s or its meaning", k.Name)
		}
	}
}
