package dataset

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"testing"
)

// trackedFolder builds a folder of fish_<track>_<n>.jpg names: class c has
// tracks with the given frame counts; track ids are unique across classes.
func trackedFolder(tracksPerClass ...[]int) *Folder {
	f := &Folder{Root: "/data"}
	id := 0
	for c, tracks := range tracksPerClass {
		f.Classes = append(f.Classes, fmt.Sprintf("class%d", c))
		for _, frames := range tracks {
			id++
			for n := range frames {
				f.Samples = append(f.Samples, Sample{Path: fmt.Sprintf("/data/class%d/fish_%06d_%03d.jpg", c, id, n), Label: c})
			}
		}
	}
	return f
}

var trackRE = regexp.MustCompile(`^fish_(\d+)_`)

func tracks(f *Folder) map[string]bool {
	out := map[string]bool{}
	for _, s := range f.Samples {
		out[trackRE.FindStringSubmatch(filepath.Base(s.Path))[1]] = true
	}
	return out
}

func TestSplitKeepsTracksTogether(t *testing.T) {
	big := make([]int, 60)
	for i := range big {
		big[i] = 1 + i%7
	}
	classes := [][]int{big, {5, 3, 8, 2, 6, 1, 4}, {4, 4}, {9}}
	f := trackedFolder(classes...)
	train, val, err := Split(f, 0.2, `^fish_(\d+)_`, 42)
	if err != nil {
		t.Fatal(err)
	}
	if len(train.Samples)+len(val.Samples) != len(f.Samples) {
		t.Fatalf("split lost samples: %d + %d != %d", len(train.Samples), len(val.Samples), len(f.Samples))
	}
	tv := tracks(val)
	for id := range tracks(train) {
		if tv[id] {
			t.Errorf("track %s is in both splits", id)
		}
	}
	counts, valCounts := f.Counts(), val.Counts()
	for c, n := range counts {
		largest := 0
		for _, frames := range classes[c] {
			largest = max(largest, frames)
		}
		switch {
		case c == 3: // one track: it cannot be split, it stays in train
			if valCounts[c] != 0 {
				t.Errorf("single-track class has %d validation files", valCounts[c])
			}
		case valCounts[c] == 0:
			t.Errorf("class %d has no validation files", c)
		case math.Abs(float64(valCounts[c])-0.2*float64(n)) > float64(largest):
			t.Errorf("class %d: %d of %d in validation, want about %.1f", c, valCounts[c], n, 0.2*float64(n))
		}
	}
	if train.Classes[0] != "class0" || len(val.Classes) != 4 {
		t.Error("splits must keep every class")
	}
}

func TestSplitDeterministic(t *testing.T) {
	f := trackedFolder([]int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, []int{2, 2, 2, 2, 2, 2})
	_, a, _ := Split(f, 0.3, `^fish_(\d+)_`, 1)
	_, b, _ := Split(f, 0.3, `^fish_(\d+)_`, 1)
	_, c, _ := Split(f, 0.3, `^fish_(\d+)_`, 2)
	if fmt.Sprint(a.Samples) != fmt.Sprint(b.Samples) {
		t.Error("same seed gave different splits")
	}
	if fmt.Sprint(a.Samples) == fmt.Sprint(c.Samples) {
		t.Error("different seeds gave the same split")
	}
}

func TestSplitGroupAcrossClasses(t *testing.T) {
	// Track 7 appears in both classes (a labelling slip): it must still land
	// on one side only.
	f := &Folder{Classes: []string{"a", "b"}}
	for i := range 10 {
		f.Samples = append(f.Samples, Sample{Path: fmt.Sprintf("a/fish_%d_%d.jpg", i%5, i), Label: 0})
	}
	f.Samples = append(f.Samples, Sample{Path: "a/fish_7_0.jpg", Label: 0}, Sample{Path: "b/fish_7_1.jpg", Label: 1})
	for i := range 10 {
		f.Samples = append(f.Samples, Sample{Path: fmt.Sprintf("b/fish_%d_%d.jpg", 10+i%5, i), Label: 1})
	}
	for seed := range int64(20) {
		train, val, err := Split(f, 0.4, `^fish_(\d+)_`, seed)
		if err != nil {
			t.Fatal(err)
		}
		if tracks(train)["7"] && tracks(val)["7"] {
			t.Fatalf("seed %d: track 7 straddles the split", seed)
		}
	}
}

func TestSplitGroupingRules(t *testing.T) {
	f := trackedFolder([]int{4, 4, 4, 4, 4})
	// No regex: every file is its own group, so the split is exact.
	_, val, err := Split(f, 0.25, "", 3)
	if err != nil || len(val.Samples) != 5 {
		t.Errorf("per-file split: %d validation files, %v", len(val.Samples), err)
	}
	// A regex without a capture group uses the whole match.
	_, val, err = Split(f, 0.25, `fish_\d+`, 3)
	if err != nil || len(val.Samples)%4 != 0 || len(val.Samples) == 0 {
		t.Errorf("whole-match split: %d validation files, %v", len(val.Samples), err)
	}
	for _, frac := range []float64{0, 1, -0.5, math.NaN()} {
		if _, _, err := Split(f, frac, "", 1); !errors.Is(err, ErrBadArgument) {
			t.Errorf("fraction %v: %v", frac, err)
		}
	}
	if _, _, err := Split(f, 0.2, "fish_(", 1); !errors.Is(err, ErrBadArgument) {
		t.Errorf("bad regex: %v", err)
	}
}
