package configs

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string
}

type stage struct {
	image, name string
	body        []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions, joining
// continuation lines and dropping comments.
func parseDockerfile(t *testing.T, raw string) []stage {
	t.Helper()
	var (
		stages  []stage
		pending strings.Builder
		start   int
	)
	for i, line := range strings.Split(raw, "\n") {
		trimmed := strings.TrimSpace(line)
		if pending.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if pending.Len() == 0 {
			start = i + 1
		}
		if strings.HasPrefix(trimmed, "#") {
			continue // comment inside a continued instruction
		}
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			pending.WriteString(cont + " ")
			continue
		}
		pending.WriteString(trimmed)
		cmd, args, _ := strings.Cut(pending.String(), " ")
		pending.Reset()
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.Join(strings.Fields(args), " ")}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			s := stage{image: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			if in.cmd != "ARG" {
				t.Fatalf("Dockerfile:%d: %s before FROM", in.line, in.cmd)
			}
			continue
		}
		stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
	}
	return stages
}

// find returns the index of the first instruction cmd whose arguments
// match re, or -1.
func (s stage) find(cmd string, re string) int {
	r := regexp.MustCompile(re)
	return slices.IndexFunc(s.body, func(in instruction) bool { return in.cmd == cmd && r.MatchString(in.args) })
}

// execForm decodes a JSON-array (exec form) argument list.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var args []string
	if err := json.Unmarshal([]byte(in.args), &args); err != nil {
		t.Errorf("Dockerfile:%d: %s %s is not in exec form (JSON array): %v", in.line, in.cmd, in.args, err)
	}
	return args
}

func loadDockerfile(t *testing.T) (build, runtime stage) {
	t.Helper()
	stages := parseDockerfile(t, string(readRepoFile(t, "Dockerfile")))
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a small runtime stage", len(stages))
	}
	return stages[0], stages[len(stages)-1]
}

func TestDockerfileBuildStage(t *testing.T) {
	build, _ := loadDockerfile(t)
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(readRepoFile(t, "go.mod")))
	if goVersion == nil {
		t.Fatal("go.mod has no go line")
	}
	if want := "golang:" + goVersion[1] + "-bookworm"; build.image != want {
		t.Errorf("builder image %q, want %q (go.mod says go %s)", build.image, want, goVersion[1])
	}
	modules := build.find("COPY", `^go\.mod go\.sum \S+$`)
	download := build.find("RUN", `go mod download`)
	sources := build.find("COPY", `^\. `)
	if modules < 0 || download < 0 || sources < 0 || !(modules < download && download < sources) {
		t.Errorf("COPY go.mod go.sum (%d), RUN go mod download (%d), COPY . (%d) must come in this order, so dependencies are a cached layer", modules, download, sources)
	}
	compile := build.find("RUN", `go build`)
	if compile < 0 {
		t.Fatal("no RUN go build")
	}
	cmd := build.body[compile].args
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-s -w", "-X github.com/aquaml/aquaml/app.version=${VERSION}", "-o /out/aquaml"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("go build %q lacks %q", cmd, want)
		}
	}
	if arg := build.find("ARG", `^VERSION(=|$)`); arg < 0 || arg > compile {
		t.Error("ARG VERSION is not declared before go build")
	}
	if !packageVar(t, "app", "version") {
		t.Error("app has no package-level var version for -X to set")
	}
}

// packageVar reports whether the non-test files in dir declare a
// package-level variable name.
func packageVar(t *testing.T, dir, name string) bool {
	t.Helper()
	entries, err := os.ReadDir(repoPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(repoPath(dir), e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				if slices.ContainsFunc(spec.(*ast.ValueSpec).Names, func(id *ast.Ident) bool { return id.Name == name }) {
					return true
				}
			}
		}
	}
	return false
}

func TestDockerfileRuntimeStage(t *testing.T) {
	build, rt := loadDockerfile(t)
	if !strings.HasPrefix(rt.image, "gcr.io/distroless/static") && rt.image != "scratch" {
		t.Errorf("runtime image %q, want distroless/static or scratch", rt.image)
	}
	if rt.find("COPY", `^--from=`+regexp.QuoteMeta(build.name)+` /out/aquaml `+binary+`$`) < 0 {
		t.Errorf("the binary is not copied from the %s stage to %s", build.name, binary)
	}
	if rt.find("COPY", `^--from=`+regexp.QuoteMeta(build.name)+` --chown=1000:1000 \S+ /data$`) < 0 {
		t.Error("no writable /data: want COPY --from=build --chown=1000:1000 ... /data (distroless has no shell to mkdir)")
	}

	user := rt.find("USER", `^1000(:1000)?$`)
	entry := rt.find("ENTRYPOINT", ``)
	if user < 0 || entry < 0 || user > entry || rt.find("USER", `^(0|root)`) >= 0 {
		t.Error("the process must run as uid 1000: USER 1000 before ENTRYPOINT, and no USER root")
	}
	if port := defaultOf(t, "API_PORT"); rt.find("EXPOSE", `^`+port+`(/tcp)?$`) < 0 {
		t.Errorf("EXPOSE does not match API_PORT's default %s", port)
	}
	if got := execForm(t, rt.body[entry]); !slices.Equal(got, []string{binary}) {
		t.Errorf("ENTRYPOINT %q, want [%q]", got, binary)
	}
	if i := rt.find("CMD", ``); i < 0 {
		t.Error("no CMD")
	} else if got := execForm(t, rt.body[i]); !slices.Equal(got, []string{"serve"}) {
		t.Errorf("CMD %q, want [serve]", got)
	} else {
		assertCommand(t, "CMD", got)
	}

	hc := rt.find("HEALTHCHECK", ` CMD \[`)
	if hc < 0 {
		t.Fatal("no HEALTHCHECK ... CMD [...] (exec form: the image has no shell)")
	}
	_, form, _ := strings.Cut(rt.body[hc].args, " CMD ")
	check := execForm(t, instruction{line: rt.body[hc].line, cmd: "HEALTHCHECK", args: form})
	if len(check) < 2 || check[0] != binary || check[1] != "healthcheck" {
		t.Errorf("HEALTHCHECK runs %q, want %s healthcheck", check, binary)
	} else {
		assertCommand(t, "HEALTHCHECK", check[1:])
	}

	env := map[string]string{}
	for _, in := range rt.body {
		if in.cmd == "ENV" {
			for _, kv := range strings.Fields(in.args) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		}
	}
	var names []string
	for k := range env {
		names = append(names, k)
	}
	assertKnownKeys(t, "Dockerfile ENV", names)
	for _, k := range []string{"SQLITE_PATH", "MODEL_DIR"} {
		if !strings.HasPrefix(env[k], "/data/") {
			t.Errorf("ENV %s=%q, want a path under the writable /data", k, env[k])
		}
	}
	// Production unless told otherwise, and generated secrets kept on
	// the volume.
	if env["ENVIRONMENT"] != "production" || env["DATA_DIR"] != "/data" {
		t.Errorf("ENV ENVIRONMENT=%q DATA_DIR=%q, want production and /data", env["ENVIRONMENT"], env["DATA_DIR"])
	}
}
