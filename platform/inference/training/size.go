package training

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
)

// ParseSize reads an input size as WIDTHxHEIGHT ("128x64") or as the side
// of a square ("64"), the forms `aquaml train --size` and a training job's
// "input" take. It checks the syntax only; Run checks the bounds.
func ParseSize(s string) (width, height int, err error) {
	w, h, wide := strings.Cut(s, "x")
	if width, err = strconv.Atoi(w); err != nil || width <= 0 {
		return 0, 0, fmt.Errorf("%w: size %q, want WIDTHxHEIGHT (e.g. 128x64) or a side", ErrOptions, s)
	}
	if !wide {
		return width, width, nil
	}
	if height, err = strconv.Atoi(h); err != nil || height <= 0 {
		return 0, 0, fmt.Errorf("%w: size %q, want WIDTHxHEIGHT (e.g. 128x64) or a side", ErrOptions, s)
	}
	return width, height, nil
}

// BatchFor is the batch size for a run on n training photos: 16 below
// 1,024 photos, and fewer still below 128 so that an epoch makes at least
// eight updates; 32 from 1,024 on. On the small-data protocol batches of
// 16 scored higher than 32 (and 64 lower still) on every group and both
// networks at about 120 training photos, and again at about 560
// (BENCHMARKS.md, "Small data: smaller batches"). The bundled model's
// 17.7k photos keep the 32 its recipe was tuned at: no smaller batch was
// measured on a large set.
func BatchFor(n int) int {
	if n >= 1024 {
		return 32
	}
	return min(16, max(2, n/8))
}

// BatchForFolder is BatchFor of the photos a run on dir trains on when
// valFraction of them is held out: every file below dir counts, as a
// training job lays out its dataset version.
func BatchForFolder(dir string, valFraction float64) int {
	n := 0
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return BatchFor(int(float64(n) * (1 - valFraction)))
}
