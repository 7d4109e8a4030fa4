package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aquaml/aquaml/platform/inference/dataset"
)

// photoExts are the extensions taken for photos when walking a folder
// (those training and evaluation read); a file named on the command line
// is tried whatever its name.
var photoExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".bmp": true, ".webp": true}

func isPhotoPath(path string) bool { return photoExts[strings.ToLower(filepath.Ext(path))] }

// expandPhotos replaces each folder in args by the photos below it,
// recursively and in name order, skipping hidden files and folders; files
// stay as given. A folder without photos is an error naming it.
func expandPhotos(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil || !st.IsDir() {
			out = append(out, arg) // classifying it reports what is wrong
			continue
		}
		var found []string
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != arg && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && isPhotoPath(p) {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no photos in this folder or below it (looked for %s)", arg, extList())
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

func extList() string {
	exts := make([]string, 0, len(photoExts))
	for e := range photoExts {
		exts = append(exts, e)
	}
	sort.Strings(exts)
	return strings.Join(exts, " ")
}

// explainLayout turns "no images" from a data folder into how the folder
// must look; other errors pass as they are.
func explainLayout(flag, dir string, err error) error {
	if !errors.Is(err, dataset.ErrNoImages) {
		return err
	}
	entries, _ := os.ReadDir(dir)
	var folders, files int
	for _, e := range entries {
		if e.IsDir() {
			folders++
		} else {
			files++
		}
	}
	return fmt.Errorf(`%s %s: no photos found. The folder must hold one sub-folder per label, named after it,
with that label's photos inside (%s):
  %s/amphiprion_clarkii/0001.jpg
  %s/dascyllus_reticulatus/0002.png
%s holds %d sub-folders with no photos and %d files directly inside (those are not read)`,
		flag, dir, extList(), dir, dir, dir, folders, files)
}
