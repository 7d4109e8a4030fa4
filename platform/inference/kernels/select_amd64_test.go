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
