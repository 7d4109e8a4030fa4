package app

import (
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/inference/kernels"
	"github.com/aquaml/aquaml/platform/testkit/proctest"
)

// TestStartLogsInferenceKernel checks that the start-up log says which
// micro-kernel serves inference and why, which is what an operator needs to
// compare two machines or check an AQUAML_KERNEL override.
func TestStartLogsInferenceKernel(t *testing.T) {
	logs := &proctest.Buffer{}
	launch(t, testConfig(t), Mode{API: true}, logs)
	want := kernels.Chosen()
	var line string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && line == ""; time.Sleep(20 * time.Millisecond) {
		for l := range strings.Lines(logs.String()) {
			if strings.Contains(l, `msg="inference kernel"`) {
				line = l
			}
		}
	}
	if line == "" {
		t.Fatalf("no inference kernel line in the start-up log:\n%s", logs.String())
	}
	for _, part := range []string{"kernel=" + want.Kernel, "cpu=", want.CPU, "reason="} {
		if !strings.Contains(line, part) {
			t.Errorf("log line %q lacks %s", line, part)
		}
	}
}
