package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// touch creates the files (and their directories) under root.
func touch(t *testing.T, root string, files ...string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestScan(t *testing.T) {
	root := t.TempDir()
	touch(t, root,
		"zebra/b.JPG", "zebra/a.png", "zebra/notes.txt", "zebra/.DS_Store",
		"angel/x.webp", "angel/nested/y.jpeg", "angel/z.gif", "angel/w.bmp",
		"README.md", ".hidden/q.jpg")
	if err := os.Mkdir(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"angel", "empty", "zebra"}; !reflect.DeepEqual(f.Classes, want) {
		t.Fatalf("classes = %v, want %v", f.Classes, want)
	}
	var got []string
	for _, s := range f.Samples {
		rel, _ := filepath.Rel(root, s.Path)
		got = append(got, f.Classes[s.Label]+":"+rel)
	}
	want := []string{"angel:angel/nested/y.jpeg", "angel:angel/w.bmp", "angel:angel/x.webp", "angel:angel/z.gif",
		"zebra:zebra/a.png", "zebra:zebra/b.JPG"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("samples = %v\nwant %v", got, want)
	}
	if c := f.Counts(); !reflect.DeepEqual(c, []int{4, 0, 2}) {
		t.Errorf("counts = %v", c)
	}
	if f.Skipped != 3 { // notes.txt, .DS_Store, README.md
		t.Errorf("skipped = %d, want 3", f.Skipped)
	}
}

func TestScanErrors(t *testing.T) {
	root := t.TempDir()
	touch(t, root, "fish/readme.txt")
	if _, err := Scan(root); !errors.Is(err, ErrNoImages) {
		t.Errorf("no images: %v", err)
	}
	if _, err := Scan(filepath.Join(root, "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent dir: %v", err)
	}
}

func TestSameClasses(t *testing.T) {
	a := &Folder{Root: "a", Classes: []string{"x", "y"}}
	if err := a.SameClasses(&Folder{Classes: []string{"x", "y"}}); err != nil {
		t.Error(err)
	}
	if err := a.SameClasses(&Folder{Classes: []string{"x", "z"}}); err == nil {
		t.Error("different names accepted")
	}
	if err := a.SameClasses(&Folder{Classes: []string{"x"}}); err == nil {
		t.Error("different counts accepted")
	}
}
