package configs

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/config"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite configs/config.yaml from config.Keys")

const configFile = "configs/config.yaml"

// configSections titles the groups of config.Keys, by their first key.
var configSections = map[string]string{
	"PROJECT_NAME":          "Service",
	"API_HOST":              "HTTP API",
	"DATABASE_URL":          "Database",
	"REDIS_URL":             "Redis",
	"SECRET_KEY":            "Secrets, tokens and accounts",
	"MODEL_PATH":            "Model and inference",
	"PROMETHEUS_ENABLED":    "Metrics",
	"CORS_ORIGINS":          "CORS",
	"WORKER_ENABLED":        "Queue worker",
	"BATCH_DIR":             "Batch jobs",
	"WEBHOOK_ALLOW_PRIVATE": "Batch webhooks",
	"DATASET_DIR":           "Datasets",
}

const configHeader = `# AquaML configuration file, read from configs/config.yaml (relative to the
# working directory) or from the file given with --config.
#
# Precedence, highest first: command-line flags, environment variables, the
# .env file, this file, built-in defaults. Keys are the environment variable
# names (lower case works too).
#
# Every setting is listed below with its built-in default, commented out, so
# this file documents the configuration and changes nothing. Uncomment a line
# to set a value here. Keep secrets (JWT_SECRET_KEY, SECRET_KEY, passwords in
# DATABASE_URL) in the environment or .env, not in this file.
`

// renderConfigFile writes every setting, commented out, with its help and
// default: the file documents the configuration and changes nothing.
func renderConfigFile() string {
	var b strings.Builder
	b.WriteString(configHeader)
	for _, k := range config.Keys {
		if title, ok := configSections[k.Name]; ok {
			fmt.Fprintf(&b, "\n# ---- %s %s\n", title, strings.Repeat("-", 70-len(title)))
		}
		fmt.Fprintf(&b, "\n# %s\n# %s: %s\n", k.Help, k.Name, strconv.Quote(k.Default))
	}
	return b.String()
}

func TestConfigFileDocumentsEveryKey(t *testing.T) {
	want := renderConfigFile()
	if *update {
		if err := os.WriteFile(repoPath(configFile), []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(readRepoFile(t, configFile)); got != want {
		t.Errorf("%s is out of step with config.Keys; run `go test ./configs -run TestConfigFileDocumentsEveryKey -update`", configFile)
	}
}

var commentedSetting = regexp.MustCompile(`(?m)^# ([A-Z][A-Z0-9_]*): (.*)$`)

// TestConfigFileChangesNothing loads configs/config.yaml as shipped and with
// every setting uncommented: both must equal the built-in defaults, so the
// documented values are the real ones and parse as the loader expects.
func TestConfigFileChangesNothing(t *testing.T) {
	raw := readRepoFile(t, configFile)
	var active map[string]any
	if err := yaml.Unmarshal(raw, &active); err != nil || len(active) != 0 {
		t.Errorf("%s sets %v (err %v); every line must stay commented", configFile, active, err)
	}
	settings := commentedSetting.FindAllSubmatch(raw, -1)
	var names []string
	for _, s := range settings {
		names = append(names, string(s[1]))
	}
	var keys []string
	for _, k := range config.Keys {
		keys = append(keys, k.Name)
	}
	if !reflect.DeepEqual(names, keys) {
		t.Errorf("%s documents %v\nconfig.Keys has %v", configFile, names, keys)
	}

	defaults, err := loadWithEnv(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	noDotenv := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(noDotenv, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{
		"as shipped":  raw,
		"uncommented": commentedSetting.ReplaceAll(raw, []byte("$1: $2")),
	} {
		file := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := config.Load(config.Options{ConfigFile: file, EnvFile: noDotenv})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, defaults) {
			t.Errorf("%s: loads\n%+v\nwant the defaults\n%+v", name, got, defaults)
		}
	}
}
