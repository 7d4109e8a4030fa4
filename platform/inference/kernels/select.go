package kernels

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// KernelEnv names the environment variable that forces a micro-kernel by name
// (Selection.Available lists them); empty or "auto" lets the start-up
// measurement choose. "direct", alone or after a comma ("avx2,direct"), keeps
// every convolution on the direct path (no Winograd).
const KernelEnv = "AQUAML_KERNEL"

// Selection says which micro-kernel is active and why, for the start-up log.
type Selection struct {
	Kernel    string             // the active kernel
	Reason    string             // how it was chosen
	CPU       string             // vendor, family and model
	Available []string           // kernels this build and CPU can run, in order of preference
	GFLOPS    map[string]float64 // the start-up measurement, when one was made
	Winograd  string             // where Winograd convolutions run, or why nowhere
}

var selection Selection

// Chosen reports the micro-kernel chosen at start (or by the last Use).
func Chosen() Selection { return selection }

// Use makes the named kernel (one of Chosen().Available) active for every later
// call. It is meant for start-up, before kernels run: calls in flight keep the
// kernel they started with.
func Use(name string) error {
	k := byName(kernels(), name)
	if k == nil {
		return fmt.Errorf("kernels: no kernel %q on this CPU (have %s)", name, strings.Join(names(kernels()), ", "))
	}
	active.Store(k)
	selection.Kernel, selection.Reason = k.name, "set by Use"
	if w := winoFor.Load(); w != nil && w != k {
		selection.Winograd = "off: measured at start for " + w.name
	}
	return nil
}

func init() {
	name, direct := parseKernelEnv(os.Getenv(KernelEnv))
	k, s := choose(kernels(), name, cpuModel(), newProbe())
	on, why := winoChoose(k, direct, newWinoProbe())
	if on {
		winoFor.Store(k)
	}
	s.Winograd = why
	active.Store(k)
	selection = s
}

// parseKernelEnv splits KernelEnv's value into a kernel name and the request
// for the direct path.
func parseKernelEnv(v string) (name string, direct bool) {
	for f := range strings.SplitSeq(v, ",") {
		switch f = strings.TrimSpace(f); f {
		case "direct":
			direct = true
		case "":
		default:
			name = f
		}
	}
	return name, direct
}

// winoChoose decides whether inference runs Winograd on the shapes winoShape
// accepts with kernel k: only where it was measured faster with k, and only if
// a timing at start (measure: GFLOPS of the direct path and of Winograd on one
// such layer, 0 if timing failed) confirms it on this CPU by more than
// probeTie.
func winoChoose(k *microKernel, direct bool, measure func(*microKernel) (direct, wino float64)) (bool, string) {
	switch {
	case direct:
		return false, "off: " + KernelEnv + " asks for the direct path"
	case winoMinBatch(k) == 0:
		return false, "off: not measured faster with the " + k.name + " kernel"
	}
	var d, w float64
	for range probeRounds {
		dr, wr := measure(k)
		d, w = max(d, dr), max(w, wr)
	}
	switch {
	case d <= 0 || w <= 0:
		return false, "off: timing unusable"
	case w <= (1+probeTie)*d:
		return false, fmt.Sprintf("off: not faster at start (%.0f against %.0f GFLOPS)", w, d)
	}
	return true, fmt.Sprintf("3x3 convolutions of maps up to 8x8 with 64+ channels, from batch %d (%.0f against %.0f GFLOPS at start)",
		winoMinBatch(k), w, d)
}

// winoProbeCache is the probe's packed weights for one kernel.
type winoProbeCache struct {
	dc WeightCache
	wc winoCache
}

// newWinoProbe returns the measurement winoChoose makes: two images through a
// 128 -> 128 channel 3x3 convolution at 8 x 8 (FishNet's last), on the direct
// tiles and on Winograd, on the calling goroutine, weights packed beforehand
// (a warm-up run of each).
func newWinoProbe() func(*microKernel) (float64, float64) {
	c := Conv{InC: 128, InH: 8, InW: 8, OutC: 128, KH: 3, KW: 3, Stride: 1, Pad: 1}
	const batch = 2
	var x, w, b, y, ws []float32
	caches := map[*microKernel]*winoProbeCache{}
	return func(k *microKernel) (float64, float64) {
		if x == nil {
			m, n, kk := c.dims()
			x, w, b, y = make([]float32, batch*c.InC*c.InH*c.InW), make([]float32, m*kk), make([]float32, m), make([]float32, batch*m*n)
			for i := range x {
				x[i] = float32(i%7) * 0.25
			}
			for i := range w {
				w[i] = float32(i%5)*0.1 - 0.2
			}
		}
		if n := max(c.workspaceLen(1, batch), c.winoWorkspaceLen(k, batch, 1)); len(ws) < n {
			ws = make([]float32, n)
		}
		pc := caches[k]
		if pc == nil {
			pc = new(winoProbeCache)
			caches[k] = pc
			Par(1).convForwardDirect(k, c, batch, x, w, b, ActReLU, y, ws, &pc.dc)
			Par(1).winoForward(k, c, batch, x, w, b, ActReLU, y, ws, &pc.wc)
		}
		rate := func(run func()) float64 {
			start := time.Now()
			run()
			d := time.Since(start)
			if d < 20*time.Microsecond { // no usable clock: this is 38 MFLOP
				return 0
			}
			return batch * convFlopsOf(c) / d.Seconds() / 1e9
		}
		direct := rate(func() { Par(1).convForwardDirect(k, c, batch, x, w, b, ActReLU, y, ws, &pc.dc) })
		wino := rate(func() { Par(1).winoForward(k, c, batch, x, w, b, ActReLU, y, ws, &pc.wc) })
		return direct, wino
	}
}

// Where several vector kernels can run (AVX-512 and AVX2 on a CPU whose AVX-512
// runs as two halves, or two AVX2 tile shapes), the one that is fastest on this
// CPU is not known from its features: choose times a stride-1 convolution
// typical of the networks on each, a few milliseconds in all.
const (
	probeRounds = 3
	// probeTie is the margin within which two kernels count as equally fast and
	// the order of preference decides, so that noise does not flip the choice
	// from one start to the next.
	probeTie = 0.03
)

// choose picks the kernel to use among cands (in order of preference, the
// portable one last): the one named by override if there is one, else the
// fastest by measure (GFLOPS of one timed run, 0 if timing failed), else the
// first preferred for this CPU.
func choose(cands []*microKernel, override string, cpu cpuInfo, measure func(*microKernel) float64) (*microKernel, Selection) {
	s := Selection{CPU: cpu.String(), Available: names(cands)}
	var note string
	if override != "" && override != "auto" {
		if k := byName(cands, override); k != nil {
			s.Kernel, s.Reason = k.name, KernelEnv+"="+override
			return k, s
		}
		note = fmt.Sprintf("%s=%s is not available here; ", KernelEnv, override)
	}
	vec := cpu.order(slices.DeleteFunc(slices.Clone(cands), func(k *microKernel) bool { return k == goKernel }))
	if len(vec) == 0 {
		s.Kernel, s.Reason = goKernel.name, note+"no vector kernel on this CPU or build"
		return goKernel, s
	}
	if len(vec) == 1 {
		s.Kernel, s.Reason = vec[0].name, note+"the only vector kernel"
		return vec[0], s
	}
	rates := make(map[string]float64, len(vec))
	for range probeRounds {
		for _, k := range vec {
			rates[k.name] = max(rates[k.name], measure(k))
		}
	}
	s.GFLOPS = rates
	best := vec[0]
	for _, k := range vec {
		if rates[k.name] <= 0 {
			s.Kernel, s.Reason = vec[0].name, note+"timing unusable, chosen by CPU model"
			return vec[0], s
		}
		if rates[k.name] > rates[best.name] {
			best = k
		}
	}
	// The most preferred of those within probeTie of the fastest.
	for _, k := range vec {
		if rates[k.name] >= (1-probeTie)*rates[best.name] {
			best = k
			break
		}
	}
	s.Kernel, s.Reason = best.name, note+"fastest at start"
	return best, s
}

// newProbe returns the measurement choose makes: one image through a 32 -> 64
// channel 3x3 convolution at 16 x 16 on the calling goroutine, weights packed
// beforehand, timed after a warm-up run.
func newProbe() func(*microKernel) float64 {
	c := Conv{InC: 32, InH: 16, InW: 16, OutC: 64, KH: 3, KW: 3, Stride: 1, Pad: 1}
	var x, w, b, y, ws []float32
	caches := map[*microKernel]*WeightCache{}
	return func(k *microKernel) float64 {
		if x == nil {
			m, n, kk := c.dims()
			x, w, b, y = make([]float32, c.InC*c.InH*c.InW), make([]float32, m*kk), make([]float32, m), make([]float32, m*n)
			for i := range x {
				x[i] = float32(i%7) * 0.25
			}
			for i := range w {
				w[i] = float32(i%5)*0.1 - 0.2
			}
			ws = make([]float32, c.workspaceLen(1, 1))
		}
		wc := caches[k]
		if wc == nil {
			wc = new(WeightCache)
			caches[k] = wc
			Par(1).convForward(k, c, 1, x, w, b, ActReLU, y, ws, wc)
		}
		start := time.Now()
		Par(1).convForward(k, c, 1, x, w, b, ActReLU, y, ws, wc)
		d := time.Since(start)
		if d < 20*time.Microsecond { // no usable clock: this is 10 MFLOP
			return 0
		}
		return convFlopsOf(c) / d.Seconds() / 1e9
	}
}

func convFlopsOf(c Conv) float64 {
	m, n, k := c.dims()
	return 2 * float64(m) * float64(n) * float64(k)
}

// cpuInfo identifies the CPU for the order of preference and the log.
type cpuInfo struct {
	vendor        string // "GenuineIntel", "AuthenticAMD", "" if unknown
	family, model int
}

func (c cpuInfo) String() string {
	if c.vendor == "" {
		return "unknown"
	}
	return fmt.Sprintf("%s family %d model %d", c.vendor, c.family, c.model)
}

func byName(ks []*microKernel, name string) *microKernel {
	for _, k := range ks {
		if k.name == name {
			return k
		}
	}
	return nil
}

func names(ks []*microKernel) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.name
	}
	return out
}
