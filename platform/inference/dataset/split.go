package dataset

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
)

// ErrBadArgument reports an invalid parameter.
var ErrBadArgument = errors.New("dataset: bad argument")

// Split divides f into train and validation folders, stratified per class,
// without ever putting two files of the same group on both sides.
//
// A file's group is the first capture group of groupRegex matched against its
// base name (the whole match when the regex has no group); files that do not
// match are groups of their own, and an empty regex makes every file its own
// group. For Fish4Knowledge, `^fish_(\d+)_` groups the frames of one tracked
// fish. Within each class, groups are shuffled with the seed and moved to
// validation while that brings the class closer to valFrac of its files;
// a class with at least two groups always gets one in validation. A group that
// spans classes goes wherever its first class put it.
func Split(f *Folder, valFrac float64, groupRegex string, seed int64) (train, val *Folder, err error) {
	if !(valFrac > 0 && valFrac < 1) {
		return nil, nil, fmt.Errorf("%w: validation fraction %v outside (0,1)", ErrBadArgument, valFrac)
	}
	var re *regexp.Regexp
	if groupRegex != "" {
		if re, err = regexp.Compile(groupRegex); err != nil {
			return nil, nil, fmt.Errorf("%w: group regex: %v", ErrBadArgument, err)
		}
	}

	// Groups per class in order of first appearance (samples are sorted),
	// with the number of that class's files in each.
	type classGroup struct {
		class int
		group string
	}
	byClass := make([][]string, len(f.Classes))
	size := make(map[classGroup]int)
	for _, s := range f.Samples {
		if s.Label < 0 || s.Label >= len(f.Classes) {
			return nil, nil, fmt.Errorf("%w: sample %s has label %d of %d classes", ErrBadArgument, s.Path, s.Label, len(f.Classes))
		}
		key := classGroup{s.Label, groupKey(re, s.Path)}
		if size[key] == 0 {
			byClass[s.Label] = append(byClass[s.Label], key.group)
		}
		size[key]++
	}

	inVal := make(map[string]bool)
	decided := make(map[string]bool)
	for class, groups := range byClass {
		rng := newRand(seed, streamSplit, uint64(class), 0)
		rng.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
		total := 0
		for _, g := range groups {
			total += size[classGroup{class, g}]
		}
		target := valFrac * float64(total)
		valCount, open, smallest := 0, 0, ""
		for _, g := range groups {
			n := size[classGroup{class, g}]
			if decided[g] {
				if inVal[g] {
					valCount += n
				}
				continue
			}
			decided[g] = true
			open++
			if smallest == "" || n < size[classGroup{class, smallest}] {
				smallest = g
			}
			// Take the group if that moves the count closer to the target.
			if float64(valCount)+float64(n)/2 < target {
				inVal[g], valCount = true, valCount+n
			}
		}
		if valCount == 0 && open >= 2 {
			inVal[smallest] = true
		}
	}

	var tr, va []Sample
	for _, s := range f.Samples {
		if inVal[groupKey(re, s.Path)] {
			va = append(va, s)
		} else {
			tr = append(tr, s)
		}
	}
	return f.subset(tr), f.subset(va), nil
}

func groupKey(re *regexp.Regexp, path string) string {
	if re != nil {
		base := filepath.Base(path)
		if m := re.FindStringSubmatch(base); m != nil {
			if len(m) > 1 {
				return "g:" + m[1]
			}
			return "g:" + m[0]
		}
	}
	return "f:" + path
}
