package webapp_test

import (
	"archive/zip"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// valDir is the shared Fish4Knowledge validation split, when present.
func valDir() string {
	dir, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "datasets", "fish4knowledge", "val"))
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return ""
}

// photo is a file for the browser to upload and the species it shows.
type photo struct {
	path    string
	species string // the label the bundled model gives it ("" for a generated photo)
}

// fishPhotos returns n photos. From the shared data it picks photos the
// bundled model names as the folder they are in, so the page can be held
// to the right species; without the data they are generated images.
func fishPhotos(t *testing.T, ta *apptest.TestApp, s apptest.Session, n int) []photo {
	t.Helper()
	var out []photo
	if dir := valDir(); dir != "" {
		species, _ := os.ReadDir(dir)
		for _, sp := range species {
			files, _ := filepath.Glob(filepath.Join(dir, sp.Name(), "*.jpg"))
			sort.Strings(files)
			for _, f := range files[:min(len(files), 3)] {
				raw, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				var got struct {
					Unknown     bool
					Predictions []struct{ Label string }
				}
				ta.Do("POST", ta.API("/classify"), raw, apptest.With(s.Auth(), "Content-Type", "image/jpeg")).
					Want(http.StatusOK).JSON(&got)
				if !got.Unknown && len(got.Predictions) > 0 && got.Predictions[0].Label == sp.Name() {
					out = append(out, photo{path: f, species: sp.Name()})
					break
				}
			}
			if len(out) == n {
				return out
			}
		}
		t.Logf("only %d shared photos are named right by the bundled model; generating the rest", len(out))
	} else {
		t.Log("no shared Fish4Knowledge data next to the module: using generated photos")
	}
	tmp := t.TempDir()
	for i := len(out); i < n; i++ {
		f := filepath.Join(tmp, "generated-"+string(rune('a'+i))+".png")
		if err := os.WriteFile(f, apptest.Photo(t, 40+i, 96, 72, "png"), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, photo{path: f})
	}
	return out
}

// trainDir is the shared Fish4Knowledge training split, when present.
func trainDir() string {
	dir, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "datasets", "fish4knowledge", "train"))
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return ""
}

// labelled is a small labelled set: perLabel photos of each of labels,
// from the shared training split, or generated photos (one colour per
// label) without it.
// generated numbers the photos labelled makes, so that two calls in one
// test (a zip of folders, then loose photos) never make the same photo:
// the dataset would take it as a duplicate, or under two labels refuse it.
// Photo's pattern repeats every 256 seeds; no test makes that many.
var generated atomic.Int32

func labelled(t *testing.T, labels []string, perLabel int) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	dir := trainDir()
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("the shared Fish4Knowledge training split is missing next to the repository")
		}
		t.Log("no shared Fish4Knowledge training split: the dataset is made of generated photos")
	}
	tmp := t.TempDir()
	for _, l := range labels {
		if dir != "" {
			files, _ := filepath.Glob(filepath.Join(dir, l, "*.jpg"))
			sort.Strings(files)
			if len(files) < perLabel {
				t.Fatalf("%s has %d photos in the shared data, want %d", l, len(files), perLabel)
			}
			out[l] = files[:perLabel]
			continue
		}
		for n := range perLabel {
			f := filepath.Join(tmp, fmt.Sprintf("%s-%d.png", l, n))
			if err := os.WriteFile(f, apptest.Photo(t, int(generated.Add(1)), 48, 40, "png"), 0o644); err != nil {
				t.Fatal(err)
			}
			out[l] = append(out[l], f)
		}
	}
	return out
}

// zipOfFolders packs photos into a zip with one folder per label.
func zipOfFolders(t *testing.T, photos map[string][]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "season.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for label, files := range photos {
		for _, p := range files {
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			w, err := zw.Create(label + "/" + filepath.Base(p))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(raw); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
