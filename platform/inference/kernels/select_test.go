package kernels

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// fakeKernels are candidates for choose that are never run.
func fakeKernels(names ...string) []*microKernel {
	var ks []*microKernel
	for _, n := range names {
		ks = append(ks, &microKernel{name: n})
	}
	return append(ks, goKernel)
}

func rates(r map[string]float64) func(*microKernel) float64 {
	return func(k *microKernel) float64 { return r[k.name] }
}

func TestChoose(t *testing.T) {
	intel := cpuInfo{vendor: "GenuineIntel", family: 6, model: 207}
	for _, tc := range []struct {
		name     string
		cands    []*microKernel
		override string
		rates    map[string]float64
		want     string
		reason   string
	}{
		{"fastest wins", fakeKernels("a", "b"), "", map[string]float64{"a": 40, "b": 60}, "b", "fastest"},
		{"a tie goes to the preferred", fakeKernels("a", "b"), "", map[string]float64{"a": 59, "b": 60}, "a", "fastest"},
		{"no clock", fakeKernels("a", "b"), "", map[string]float64{"a": 0, "b": 60}, "a", "timing unusable"},
		{"one vector kernel is not timed", fakeKernels("a"), "", nil, "a", "only vector kernel"},
		{"none", fakeKernels(), "", nil, "go", "no vector kernel"},
		{"forced", fakeKernels("a", "b"), "a", map[string]float64{"a": 40, "b": 60}, "a", KernelEnv + "=a"},
		{"forced portable", fakeKernels("a", "b"), "go", nil, "go", KernelEnv + "=go"},
		{"auto measures", fakeKernels("a", "b"), "auto", map[string]float64{"a": 40, "b": 60}, "b", "fastest"},
		{"forced but absent", fakeKernels("a", "b"), "avx512", map[string]float64{"a": 40, "b": 60}, "b", "avx512 is not available"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			measured := 0
			measure := func(k *microKernel) float64 {
				measured++
				return rates(tc.rates)(k)
			}
			k, s := choose(tc.cands, tc.override, intel, measure)
			if k.name != tc.want || s.Kernel != tc.want {
				t.Errorf("chose %s (selection says %s), want %s", k.name, s.Kernel, tc.want)
			}
			if !strings.Contains(s.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", s.Reason, tc.reason)
			}
			if tc.rates == nil && measured > 0 {
				t.Errorf("measured %d times with nothing to choose between", measured)
			}
			if s.CPU != "GenuineIntel family 6 model 207" || !slices.Equal(s.Available, names(tc.cands)) {
				t.Errorf("selection = %+v", s)
			}
		})
	}
}

// TestProbeMeasures checks that the start-up measurement gives a plausible
// rate for every kernel of this CPU.
func TestProbeMeasures(t *testing.T) {
	probe := newProbe()
	for _, k := range kernels() {
		if g := probe(k); g <= 0 || g > 10000 {
			t.Errorf("%s: %g GFLOPS", k.name, g)
		}
	}
}

func TestUse(t *testing.T) {
	prev := active.Load()
	prevSel := selection
	defer func() { active.Store(prev); selection = prevSel }()
	r := rand.New(rand.NewPCG(13, 14))
	c := convCases[9].c
	x, w := randSlice(r, c.InC*c.InH*c.InW), randSlice(r, c.OutC*c.InC*c.KH*c.KW)
	want := refConvForward(c, 1, x, w, nil, ActNone)
	ws := make([]float32, c.WorkspaceLen(1))
	y := make([]float32, len(want))
	for _, name := range Chosen().Available {
		if err := Use(name); err != nil {
			t.Fatalf("Use(%q): %v", name, err)
		}
		if kernel().name != name || Chosen().Kernel != name {
			t.Fatalf("after Use(%q) the active kernel is %s", name, kernel().name)
		}
		ConvForward(c, 1, x, w, nil, ActNone, y, ws)
		checkClose(t, name, y, want)
	}
	if err := Use("sse1"); err == nil || !strings.Contains(err.Error(), "sse1") {
		t.Errorf("Use(sse1) = %v, want an error naming it", err)
	}
}

// TestKernelEnv starts this test binary again with the environment variable
// set and checks that the process starts on the kernel it names.
func TestKernelEnv(t *testing.T) {
	if name := os.Getenv("KERNELS_TEST_EXPECT"); name != "" {
		if got := Chosen(); got.Kernel != name || kernel().name != name {
			t.Fatalf("%s=%s: chosen %+v", KernelEnv, name, got)
		}
		return
	}
	for _, name := range Chosen().Available {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKernelEnv$")
		cmd.Env = append(os.Environ(), KernelEnv+"="+name, "KERNELS_TEST_EXPECT="+name)
		out, err := cmd.CombinedOutput()
		if errors.Is(err, syscall.ENOEXEC) {
			// Run under an emulator (qemu-user without binfmt): the binary
			// cannot start itself.
			t.Skipf("cannot re-execute the test binary: %v", err)
		}
		if err != nil {
			t.Errorf("%s=%s: %v\n%s", KernelEnv, name, err, out)
		}
	}
}
