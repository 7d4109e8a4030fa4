// Package sharedtest locates the team's shared data sets for tests and
// benchmarks that need real images.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Fish4Knowledge returns the directory of the shared Fish4Knowledge split
// ("train" or "val"), found as ../shared/datasets/fish4knowledge/<split>
// next to the module root. When it is absent the test is skipped with a clear
// message, or fails when the environment variable CI is "true".
func Fish4Knowledge(tb testing.TB, split string) string {
	tb.Helper()
	root, err := moduleRoot()
	if err == nil {
		dir := filepath.Join(root, "..", "shared", "datasets", "fish4knowledge", split)
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	msg := "shared data set ../shared/datasets/fish4knowledge/" + split + " not found next to the module root"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// moduleRoot walks up from the working directory to the one holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
