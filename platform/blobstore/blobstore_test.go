package blobstore

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestPutGetDelete(t *testing.T) {
	s := New(t.TempDir())
	sum, err := s.Put([]byte("a fish"))
	if err != nil {
		t.Fatal(err)
	}
	if sum != Sum([]byte("a fish")) || len(sum) != 64 {
		t.Fatalf("sum %q", sum)
	}
	again, err := s.Put([]byte("a fish"))
	if err != nil || again != sum {
		t.Fatalf("second put: %q %v", again, err)
	}
	got, err := s.Get(sum)
	if err != nil || string(got) != "a fish" || !s.Has(sum) {
		t.Fatalf("get: %q %v", got, err)
	}
	if err := s.Delete(sum); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(sum); !errors.Is(err, ErrNotFound) || s.Has(sum) {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.Delete(sum); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
}

func TestNamesCannotEscape(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("x"), 0o600)
	s := New(filepath.Join(dir, "store"))
	for _, name := range []string{"../secret", "../../etc/passwd", "", "ZZ" + Sum(nil)[2:], Sum(nil) + "/.."} {
		if _, err := s.Get(name); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) = %v", name, err)
		}
		s.Delete(name)
	}
	if _, err := os.Stat(secret); err != nil {
		t.Error("a crafted name deleted a file outside the store")
	}
}

func TestNoTempFilesLeft(t *testing.T) {
	dir := t.TempDir()
	s := New(dir)
	for i := range 5 {
		if _, err := s.Put([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*", ".tmp-*"))
	if len(matches) != 0 {
		t.Errorf("temp files left: %v", matches)
	}
}
