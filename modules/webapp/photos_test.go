package webapp_test

import (
	"net/http"
	"os"
	"path/filepath"
	"sort"
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
