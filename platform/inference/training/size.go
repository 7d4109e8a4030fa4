package training

import (
	"fmt"
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

// BatchFor is the batch size for a run on n training photos: 32, or fewer
// so that an epoch still makes at least eight updates. On about 120
// photos batches of 16 scored higher than 32 (and 64 lower still) on
// every group of the small-data protocol, for both networks
// (BENCHMARKS.md, "Small data: smaller batches").
func BatchFor(n int) int { return min(32, max(2, n/8)) }
