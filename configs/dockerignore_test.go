package configs

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

type ignoreRule struct {
	re     *regexp.Regexp
	negate bool
}

// parseDockerignore compiles .dockerignore patterns with Docker's meaning:
// paths are relative to the context root, * and ? stay within one path
// element, ** spans any number of them, a later !pattern re-includes, and a
// pattern matching a directory excludes everything below it.
func parseDockerignore(t *testing.T, raw string) []ignoreRule {
	t.Helper()
	var rules []ignoreRule
	for _, line := range strings.Split(raw, "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		negate := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(strings.TrimPrefix(p, "!"))), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			case p[i] == '[':
				t.Fatalf(".dockerignore: character classes are not understood by this test: %q", line)
			default:
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		}
		re.WriteString("(/.*)?$") // a matched directory takes its contents along
		rules = append(rules, ignoreRule{re: regexp.MustCompile(re.String()), negate: negate})
	}
	return rules
}

func ignored(rules []ignoreRule, path string) bool {
	out := false
	for _, r := range rules {
		if r.re.MatchString(path) {
			out = !r.negate
		}
	}
	return out
}

// buildInputs lists, relative to the repository root, every file `go
// build .` reads from this module: sources, assembly, embedded files.
func buildInputs(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-deps", "-json=ImportPath,Dir,Module,GoFiles,CgoFiles,SFiles,HFiles,EmbedFiles", ".")
	cmd.Dir = repoRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var pkg struct {
			Dir                                           string
			Module                                        *struct{ Path string }
			GoFiles, CgoFiles, SFiles, HFiles, EmbedFiles []string
		}
		if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if pkg.Module == nil || pkg.Module.Path != "github.com/aquaml/aquaml" {
			continue
		}
		rel, err := filepath.Rel(root, pkg.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, group := range [][]string{pkg.GoFiles, pkg.CgoFiles, pkg.SFiles, pkg.HFiles, pkg.EmbedFiles} {
			for _, f := range group {
				files = append(files, filepath.ToSlash(filepath.Join(rel, f)))
			}
		}
	}
	return files
}

func TestDockerignoreKeepsBuildInputsAndDropsLocalState(t *testing.T) {
	rules := parseDockerignore(t, string(readRepoFile(t, ".dockerignore")))
	inputs := buildInputs(t)
	if len(inputs) < 10 {
		t.Fatalf("go list found only %v", inputs)
	}
	for _, f := range inputs {
		if ignored(rules, f) {
			t.Errorf("%s is needed by go build but excluded by .dockerignore", f)
		}
	}
	for _, f := range []string{".git/HEAD", ".env", ".env.local", "data/aquaml.db", "bin/aquaml", "aquaml", "app/app.test", "cpu.prof"} {
		if !ignored(rules, f) {
			t.Errorf("%s would be sent into the build context", f)
		}
	}
}

func TestDockerignoreMatcher(t *testing.T) {
	rules := parseDockerignore(t, "data\n**/*.test\n*.md\n!KEEP.md\nconfigs/k8s\n")
	for path, want := range map[string]bool{
		"data": true, "data/x/y.db": true, "app/data/x.db": false,
		"x.test": true, "a/b/x.test": true, "a/b/x.test.go": false,
		"README.md": true, "docs/README.md": false, "KEEP.md": false,
		"configs/k8s/api.yaml": true, "configs/config.yaml": false,
	} {
		if got := ignored(rules, path); got != want {
			t.Errorf("%s: ignored %v, want %v", path, got, want)
		}
	}
}
