package dataset

import (
	"math"
	"reflect"
	"sort"
	"testing"
)

func TestClassWeights(t *testing.T) {
	// sqrt(total/count) is proportional to 1, 2, 5 for counts 100, 25, 4;
	// normalised to mean 1 that is 3/8, 6/8, 15/8.
	got := ClassWeights([]int{100, 25, 4})
	want := []float32{0.375, 0.75, 1.875}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("weights = %v, want %v", got, want)
		}
	}
	for _, w := range ClassWeights([]int{10, 0}) {
		if math.IsInf(float64(w), 0) || math.IsNaN(float64(w)) || w <= 0 {
			t.Fatalf("empty class gives weight %v", w)
		}
	}
}

func countsFolder(counts ...int) *Folder {
	f := &Folder{}
	for c, n := range counts {
		f.Classes = append(f.Classes, string(rune('a'+c)))
		for range n {
			f.Samples = append(f.Samples, Sample{Label: c})
		}
	}
	return f
}

func TestEpochOrderPlain(t *testing.T) {
	f := countsFolder(30, 20)
	if got := EpochOrder(f, Sampling{}, 1, 0); !sort.IntsAreSorted(got) || len(got) != 50 {
		t.Errorf("unshuffled order = %v", got)
	}
	a := EpochOrder(f, Sampling{Shuffle: true}, 1, 0)
	b := EpochOrder(f, Sampling{Shuffle: true}, 1, 0)
	c := EpochOrder(f, Sampling{Shuffle: true}, 1, 1)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed and epoch gave different orders")
	}
	if reflect.DeepEqual(a, c) {
		t.Error("consecutive epochs share an order")
	}
	sorted := append([]int{}, a...)
	sort.Ints(sorted)
	for i, v := range sorted {
		if v != i {
			t.Fatalf("shuffle is not a permutation: %v", a)
		}
	}
}

func TestEpochOrderBalanced(t *testing.T) {
	f := countsFolder(900, 100, 0)
	for _, tc := range []struct {
		alpha     float64
		wantShare float64 // expected share of class 1
	}{
		{0, 0.5},
		{0.5, 10.0 / (30 + 10)},
		{1, 0.1},
	} {
		drawn := [3]int{}
		for epoch := range 20 {
			order := EpochOrder(f, Sampling{Balanced: true, Alpha: tc.alpha}, 7, epoch)
			if len(order) != 1000 {
				t.Fatalf("epoch has %d samples", len(order))
			}
			for _, i := range order {
				drawn[f.Samples[i].Label]++
			}
		}
		share := float64(drawn[1]) / 20000
		if math.Abs(share-tc.wantShare) > 0.02 || drawn[2] != 0 {
			t.Errorf("alpha %v: class shares %v, want class 1 at %.3f", tc.alpha, drawn, tc.wantShare)
		}
	}
	a := EpochOrder(f, Sampling{Balanced: true}, 7, 3)
	b := EpochOrder(f, Sampling{Balanced: true}, 7, 3)
	if !reflect.DeepEqual(a, b) {
		t.Error("balanced order not deterministic")
	}
}
