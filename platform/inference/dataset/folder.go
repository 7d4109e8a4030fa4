package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrNoImages reports a folder without any image in its class directories.
var ErrNoImages = errors.New("dataset: no images found")

// Sample is one image file and its class index.
type Sample struct {
	Path  string
	Label int
}

// Folder is an ImageFolder data set: the class names (sub-directory names,
// sorted; the index is the label) and the samples, ordered by class and then
// by path.
type Folder struct {
	Root    string
	Classes []string
	Samples []Sample
	// Skipped counts files that were not images (by extension), including
	// files directly under Root.
	Skipped int
}

// imageExts are the extensions Scan accepts; the decoder still sniffs the
// real format from the bytes.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".bmp": true, ".webp": true}

// Scan reads the ImageFolder at dir. Each non-hidden sub-directory is a
// class, even when empty, so label indices match across splits; files are
// collected recursively below it.
func Scan(dir string) (*Folder, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("dataset: scan: %w", err)
	}
	f := &Folder{Root: dir}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		// Stat follows a symlinked class directory.
		st, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("dataset: scan: %w", err)
		}
		if st.IsDir() {
			f.Classes = append(f.Classes, e.Name())
		} else {
			f.Skipped++
		}
	}
	sort.Strings(f.Classes)
	for label, class := range f.Classes {
		err := filepath.WalkDir(filepath.Join(dir, class), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") || !imageExts[strings.ToLower(filepath.Ext(path))] {
				f.Skipped++
				return nil
			}
			f.Samples = append(f.Samples, Sample{Path: path, Label: label})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("dataset: scan class %s: %w", class, err)
		}
	}
	if len(f.Samples) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoImages, dir)
	}
	return f, nil
}

// Counts returns the number of samples of each class.
func (f *Folder) Counts() []int {
	counts := make([]int, len(f.Classes))
	for _, s := range f.Samples {
		if s.Label >= 0 && s.Label < len(counts) {
			counts[s.Label]++
		}
	}
	return counts
}

// SameClasses reports an error when o's classes differ from f's, which would
// make their label indices mean different things.
func (f *Folder) SameClasses(o *Folder) error {
	if len(f.Classes) != len(o.Classes) {
		return fmt.Errorf("dataset: %s has %d classes, %s has %d", f.Root, len(f.Classes), o.Root, len(o.Classes))
	}
	for i := range f.Classes {
		if f.Classes[i] != o.Classes[i] {
			return fmt.Errorf("dataset: class %d is %q in %s but %q in %s", i, f.Classes[i], f.Root, o.Classes[i], o.Root)
		}
	}
	return nil
}

// subset returns a folder with the same classes and the given samples.
func (f *Folder) subset(samples []Sample) *Folder {
	return &Folder{Root: f.Root, Classes: f.Classes, Samples: samples}
}
