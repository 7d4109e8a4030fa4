//go:build amd64 && !purego

package kernels

import (
	"slices"
	"testing"
)

func TestOrderOnAMD(t *testing.T) {
	ks := fakeKernels("avx512", "avx2", "avx2-4x16")
	got := names(cpuInfo{vendor: "AuthenticAMD", family: 23, model: 1}.order(ks[:3]))
	if want := []string{"avx512", "avx2-4x16", "avx2"}; !slices.Equal(got, want) {
		t.Errorf("AMD order %v, want %v", got, want)
	}
	ks = fakeKernels("avx512", "avx2", "avx2-4x16")
	got = names(cpuInfo{vendor: "GenuineIntel", family: 6, model: 207}.order(ks[:3]))
	if want := []string{"avx512", "avx2", "avx2-4x16"}; !slices.Equal(got, want) {
		t.Errorf("Intel order %v, want %v", got, want)
	}
}

// TestDisplayModel decodes the CPUID signatures of the machines in
// BENCHMARKS.md as lscpu names them.
func TestDisplayModel(t *testing.T) {
	for _, c := range []struct {
		eax           uint32
		family, model int
	}{
		{0x00800F12, 23, 1},  // AMD EPYC Zen (Naples)
		{0x00A00F11, 25, 1},  // AMD EPYC Zen 3 (Milan)
		{0x00A10F11, 25, 17}, // AMD EPYC Zen 4 (Genoa)
		{0x000C06F2, 6, 207}, // Intel Xeon (family 6 model 207)
		{0x000806F8, 6, 143}, // Intel Xeon Sapphire Rapids
	} {
		if f, m := displayModel(c.eax); f != c.family || m != c.model {
			t.Errorf("signature %#08x: family %d model %d, want %d %d", c.eax, f, m, c.family, c.model)
		}
	}
}
