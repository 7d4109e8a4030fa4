package smalldata

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fakeSplit writes labels/<label>/fish_<track>_<frame>.jpg: tracks of
// 1 to 5 frames (the files are not read).
func fakeSplit(t *testing.T, labels ...string) string {
	t.Helper()
	root := t.TempDir()
	for li, l := range labels {
		dir := filepath.Join(root, l)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for track := range 20 {
			for frame := range 1 + (track+li)%5 {
				name := fmt.Sprintf("fish_%04d%02d_%d.jpg", li, track, frame)
				if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return root
}

func drawnTracks(t *testing.T, dir string) map[string]int {
	t.Helper()
	out := map[string]int{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		out[strings.Join(strings.Split(e.Name(), "_")[:2], "_")]++
	}
	return out
}

// TestDrawTakesWholeTracksBySeed: about perLabel photos per label, every
// drawn track complete, the same draw for the same seed and another for
// another seed.
func TestDrawTakesWholeTracksBySeed(t *testing.T) {
	src := fakeSplit(t, "carp", "trout")
	group := regexp.MustCompile(`^fish_(\d+)_`)
	draw := func(seed int64) (string, map[string]int) {
		dst := filepath.Join(t.TempDir(), "draw")
		n, err := Draw(src, dst, []string{"carp", "trout"}, 12, group, seed)
		if err != nil {
			t.Fatal(err)
		}
		return dst, n
	}
	a, counts := draw(1)
	for _, label := range []string{"carp", "trout"} {
		if n := counts[label]; n < 12 || n > 18 {
			t.Errorf("%s: %d photos drawn, want 12 to 18", label, n)
		}
		all, got := drawnTracks(t, filepath.Join(src, label)), drawnTracks(t, filepath.Join(a, label))
		for track, n := range got {
			if n != all[track] {
				t.Errorf("%s: track %s drawn with %d of its %d frames", label, track, n, all[track])
			}
		}
		target, err := os.Readlink(filepath.Join(a, label, firstName(t, filepath.Join(a, label))))
		if err != nil || !strings.HasPrefix(target, filepath.Join(src, label)) {
			t.Errorf("a drawn photo links to %q (%v), want a file of %s", target, err, filepath.Join(src, label))
		}
	}
	b, _ := draw(1)
	c, _ := draw(2)
	same := func(x, y string) bool {
		return slices.Equal(names(t, filepath.Join(x, "carp")), names(t, filepath.Join(y, "carp")))
	}
	if !same(a, b) {
		t.Error("seed 1 drew differently twice")
	}
	if same(a, c) {
		t.Error("seeds 1 and 2 drew the same photos")
	}
}

func TestOthersLeavesTheTargetsOut(t *testing.T) {
	src := fakeSplit(t, "carp", "trout", "bream")
	got, err := Others(src, []string{"trout"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"bream", "carp"}) {
		t.Errorf("others %v, want bream and carp", got)
	}
	dst := filepath.Join(t.TempDir(), "base")
	if err := LinkFirst(src, dst, got, 4); err != nil {
		t.Fatal(err)
	}
	if n := len(names(t, filepath.Join(dst, "carp"))); n != 4 {
		t.Errorf("%d carp photos linked, want the first 4", n)
	}
	if _, err := os.Stat(filepath.Join(dst, "trout")); !os.IsNotExist(err) {
		t.Errorf("the target label reached the base's data: %v", err)
	}
}

func TestSummariseMeanAndSpread(t *testing.T) {
	runs := []Run{
		{Recipe: "baseline", Seed: 1, Accuracy: 0.5, MacroF1: 0.4},
		{Recipe: "combined", Seed: 1, Accuracy: 0.7, MacroF1: 0.6},
		{Recipe: "baseline", Seed: 2, Accuracy: 0.7, MacroF1: 0.6},
		{Recipe: "baseline", Seed: 3, Accuracy: 0.6, MacroF1: 0.5},
	}
	s := Summarise(runs)
	if len(s) != 2 || s[0].Recipe != "baseline" || s[0].Runs != 3 || s[1].Runs != 1 {
		t.Fatalf("summaries %+v", s)
	}
	if math.Abs(s[0].Accuracy-0.6) > 1e-12 || math.Abs(s[0].AccuracySD-0.1) > 1e-12 || s[1].AccuracySD != 0 {
		t.Errorf("baseline accuracy %v ± %v, want 0.6 ± 0.1 (sample SD); combined spread %v, want 0", s[0].Accuracy, s[0].AccuracySD, s[1].AccuracySD)
	}
	var b strings.Builder
	Markdown(&b, s)
	if !strings.Contains(b.String(), "| baseline | 3 | 0.600 ± 0.100 | 0.500 ± 0.100 |") {
		t.Errorf("table:\n%s", b.String())
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func firstName(t *testing.T, dir string) string { return names(t, dir)[0] }
