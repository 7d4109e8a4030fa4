package kernels

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestParseKernelEnv(t *testing.T) {
	for _, tc := range []struct {
		v      string
		name   string
		direct bool
	}{
		{"", "", false}, {"auto", "auto", false}, {"avx2", "avx2", false},
		{"direct", "", true}, {"avx512,direct", "avx512", true}, {" direct , go ", "go", true},
	} {
		if name, direct := parseKernelEnv(tc.v); name != tc.name || direct != tc.direct {
			t.Errorf("parseKernelEnv(%q) = %q, %v; want %q, %v", tc.v, name, direct, tc.name, tc.direct)
		}
	}
}

func TestWinoChoose(t *testing.T) {
	avx512 := &microKernel{name: "avx512"}
	for _, tc := range []struct {
		name         string
		k            *microKernel
		direct       bool
		dRate, wRate float64
		on           bool
		reason       string
	}{
		{"faster", avx512, false, 60, 80, true, "from batch 2"},
		{"within the tie margin", avx512, false, 60, 61, false, "not faster"},
		{"slower", avx512, false, 60, 40, false, "not faster"},
		{"no clock", avx512, false, 0, 80, false, "timing unusable"},
		{"asked for the direct path", avx512, true, 60, 80, false, KernelEnv},
		{"kernel not measured faster", goKernel, false, 3, 6, false, "go kernel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			measured := 0
			on, why := winoChoose(tc.k, tc.direct, func(*microKernel) (float64, float64) {
				measured++
				return tc.dRate, tc.wRate
			})
			if on != tc.on || !strings.Contains(why, tc.reason) {
				t.Errorf("winoChoose = %v, %q; want %v and a reason saying %q", on, why, tc.on, tc.reason)
			}
			if (tc.direct || tc.k == goKernel) && measured > 0 {
				t.Errorf("measured %d times with nothing to decide", measured)
			}
		})
	}
}

// TestWinoProbeMeasures checks that the start-up timing gives plausible rates
// for both paths on every vector kernel of this CPU.
func TestWinoProbeMeasures(t *testing.T) {
	probe := newWinoProbe()
	for _, k := range kernels() {
		if winoMinBatch(k) == 0 {
			continue
		}
		if d, w := probe(k); d <= 0 || d > 10000 || w <= 0 || w > 10000 {
			t.Errorf("%s: direct %g, Winograd %g GFLOPS", k.name, d, w)
		}
	}
	t.Logf("at start: %s kernel, Winograd %s", Chosen().Kernel, Chosen().Winograd)
}

// TestConvForwardCachedWinograd checks which path inference takes once
// Winograd is on for the active kernel: Winograd (bit for bit) on the small,
// deep layers from the kernel's batch, the direct path (bit for bit) elsewhere
// and on the portable kernel, the reference result everywhere, in a
// workspace of WorkspaceLen.
func TestConvForwardCachedWinograd(t *testing.T) {
	prevWino := winoFor.Load()
	defer winoFor.Store(prevWino)
	forEachKernel(t, func(t *testing.T) {
		k := kernel()
		winoFor.Store(k) // even the portable kernel, which must ignore it

		r := rand.New(rand.NewPCG(15, 16))
		for _, tc := range []struct {
			c     Conv
			batch int
			wino  bool
		}{
			{fishNet[5], 2, true}, {fishNet[4], 3, true}, {fishNet[5], 1, winoMinBatch(k) <= 1},
			{fishNet[3], 2, false}, {Conv{InC: 64, InH: 8, InW: 8, OutC: 32, KH: 3, KW: 3, Stride: 1, Pad: 1}, 2, false},
		} {
			c, batch := tc.c, tc.batch
			x := randSlice(r, batch*c.InC*c.InH*c.InW)
			w, b := randSlice(r, c.OutC*c.InC*9), randSlice(r, c.OutC)
			ws := make([]float32, c.WorkspaceLen(batch))
			n := batch * c.OutC * c.InH * c.InW
			got, wino, direct := make([]float32, n), make([]float32, n), make([]float32, n)
			var wc WeightCache
			ConvForwardCached(c, batch, x, w, b, ActReLU, got, ws, &wc)
			Par(0).winoForward(k, c, batch, x, w, b, ActReLU, wino, ws, new(winoCache))
			ConvForward(c, batch, x, w, b, ActReLU, direct, ws)
			want := direct
			if tc.wino && winoMinBatch(k) > 0 {
				want = wino
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%+v batch %d: output %d is %g, want %g (Winograd: %v)", c, batch, i, got[i], want[i], tc.wino)
				}
			}
			checkClose(t, "cached", got, refConvForward(c, batch, x, w, b, ActReLU))
		}
	})
}

// TestKernelEnvDirect starts this test binary again with AQUAML_KERNEL=direct
// and checks that Winograd is off and the selection says why.
func TestKernelEnvDirect(t *testing.T) {
	if os.Getenv("KERNELS_TEST_DIRECT") != "" {
		if s := Chosen(); winoFor.Load() != nil || !strings.Contains(s.Winograd, KernelEnv) {
			t.Fatalf("%s=direct: Winograd for %v, selection %+v", KernelEnv, winoFor.Load(), s)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKernelEnvDirect$")
	cmd.Env = append(os.Environ(), KernelEnv+"=direct", "KERNELS_TEST_DIRECT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s=direct: %v\n%s", KernelEnv, err, out)
	}
}
