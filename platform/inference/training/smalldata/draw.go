package smalldata

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
)

// tracks lists the image files of dir grouped by the first capture group
// of group (a file that does not match is its own group), groups in order
// of their first file.
func tracks(dir string, group *regexp.Regexp) ([][]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("smalldata: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && e.Name()[0] != '.' {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	index := map[string]int{}
	var out [][]string
	for _, n := range names {
		key := n
		if m := group.FindStringSubmatch(n); len(m) > 1 {
			key = m[1]
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], n)
	}
	return out, nil
}

// Draw links about perLabel photos of each label under src/<label> into
// dst/<label>, whole tracks at a time, chosen by seed: tracks in a seeded
// order are taken while fewer than perLabel photos are drawn, skipping a
// track that would overshoot by more than half of perLabel. It returns the
// photos drawn per label.
func Draw(src, dst string, labels []string, perLabel int, group *regexp.Regexp, seed int64) (map[string]int, error) {
	drawn := map[string]int{}
	for li, label := range labels {
		ts, err := tracks(filepath.Join(src, label), group)
		if err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(li)+1))
		rng.Shuffle(len(ts), func(i, j int) { ts[i], ts[j] = ts[j], ts[i] })
		var files []string
		for _, t := range ts {
			if len(files) >= perLabel {
				break
			}
			if len(files)+len(t) > perLabel+perLabel/2 {
				continue
			}
			files = append(files, t...)
		}
		if err := link(filepath.Join(src, label), filepath.Join(dst, label), files); err != nil {
			return nil, err
		}
		drawn[label] = len(files)
	}
	return drawn, nil
}

// LinkAll links every photo of the given labels (the scored split).
func LinkAll(src, dst string, labels []string) error {
	for _, label := range labels {
		entries, err := os.ReadDir(filepath.Join(src, label))
		if err != nil {
			return fmt.Errorf("smalldata: %w", err)
		}
		var files []string
		for _, e := range entries {
			files = append(files, e.Name())
		}
		if err := link(filepath.Join(src, label), filepath.Join(dst, label), files); err != nil {
			return err
		}
	}
	return nil
}

// Others is every label of src that is not a target: a base model's.
func Others(src string, targets []string) ([]string, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("smalldata: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !slices.Contains(targets, e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// LinkFirst links the first perLabel photos (by name: whole tracks but
// the last) of each label, which caps the large classes of a base set.
func LinkFirst(src, dst string, labels []string, perLabel int) error {
	for _, label := range labels {
		entries, err := os.ReadDir(filepath.Join(src, label))
		if err != nil {
			return fmt.Errorf("smalldata: %w", err)
		}
		var files []string
		for _, e := range entries[:min(perLabel, len(entries))] {
			files = append(files, e.Name())
		}
		if err := link(filepath.Join(src, label), filepath.Join(dst, label), files); err != nil {
			return err
		}
	}
	return nil
}

func link(srcDir, dstDir string, files []string) error {
	if err := os.MkdirAll(dstDir, 0o755); err != nil {
		return fmt.Errorf("smalldata: %w", err)
	}
	abs, err := filepath.Abs(srcDir)
	if err != nil {
		return fmt.Errorf("smalldata: %w", err)
	}
	for _, f := range files {
		if err := os.Symlink(filepath.Join(abs, f), filepath.Join(dstDir, f)); err != nil {
			return fmt.Errorf("smalldata: %w", err)
		}
	}
	return nil
}
