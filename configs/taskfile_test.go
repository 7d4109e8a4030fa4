package configs

import (
	"regexp"
	"strings"
	"testing"
)

type taskfile struct {
	Version string
	Vars    map[string]any
	Tasks   map[string]struct {
		Desc string
		Cmds []string
		Env  map[string]string
	}
}

func TestTaskfileTasks(t *testing.T) {
	tf := decodeOneYAML[taskfile](t, "Taskfile.yml")
	if tf.Version != "3" {
		t.Errorf("version %q, want \"3\"", tf.Version)
	}
	vars := map[string]string{}
	for k, v := range tf.Vars {
		if s, ok := v.(string); ok {
			vars[k] = s
		}
	}
	// cmds joins a task's commands, with {{.VAR}} of plain variables
	// expanded, so a check sees what the shell runs.
	cmds := func(name string) string {
		task, ok := tf.Tasks[name]
		if !ok {
			t.Errorf("no task %s", name)
			return ""
		}
		if task.Desc == "" {
			t.Errorf("task %s has no desc: `task --list` would hide it", name)
		}
		joined := strings.Join(task.Cmds, "\n")
		for k, v := range vars {
			joined = strings.ReplaceAll(joined, "{{."+k+"}}", v)
		}
		return joined
	}
	for name, want := range map[string][]string{
		"run":              {"go run . serve"},
		"test":             {"go test", "./..."},
		"test:integration": {"go test -race", "./..."},
		"lint":             {"go vet ./...", "staticcheck"},
		"bench":            {"go test -run '^$' -bench . -benchmem", "./platform/..."},
		"build":            {"go build", "-trimpath", "-X github.com/aquaml/aquaml/app.version=", "-o bin/aquaml ."},
		"docker-build":     {"docker build", "--build-arg VERSION="},
	} {
		got := cmds(name)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("task %s runs %q, lacking %q", name, got, w)
			}
		}
	}
	if env := tf.Tasks["build"].Env; env["CGO_ENABLED"] != "0" {
		t.Errorf("build env %v, want CGO_ENABLED=0 for a static binary", env)
	}
	env := tf.Tasks["test:integration"].Env
	if env["TEST_DATABASE_URL"] != "postgres://postgres@127.0.0.1:5432/test?sslmode=disable" ||
		env["TEST_REDIS_URL"] != "redis://127.0.0.1:6379/0" {
		t.Errorf("test:integration env %v", env)
	}
	if !regexp.MustCompile(`staticcheck@v\d+\.\d+\.\d+ `).MatchString(cmds("lint")) {
		t.Error("lint must pin the staticcheck version")
	}
	for _, name := range []string{"run"} {
		fields := strings.Fields(strings.ReplaceAll(cmds(name), "{{.CLI_ARGS}}", ""))
		assertCommand(t, "task "+name, fields[3:])
	}
}
