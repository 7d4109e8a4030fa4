package app

import (
	"os/exec"
	"strings"
	"testing"
)

// The binary must not carry test helpers: they import "testing", read
// environment variables meant for CI and would widen what ships.
func TestBinaryLeavesOutTestKits(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/aquaml/aquaml").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "testing" || strings.Contains(pkg, "/testkit") || strings.HasSuffix(pkg, "/apptest") {
			t.Errorf("the aquaml binary depends on %s", pkg)
		}
	}
}
