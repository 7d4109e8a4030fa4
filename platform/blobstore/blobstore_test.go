package blobstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestPutGetDelete(t *testing.T) {
	ctx := context.Background()
	s := New(t.TempDir())
	sum, err := s.Put(ctx, []byte("a fish"))
	if err != nil {
		t.Fatal(err)
	}
	if sum != Sum([]byte("a fish")) || len(sum) != 64 {
		t.Fatalf("sum %q", sum)
	}
	again, err := s.Put(ctx, []byte("a fish"))
	if err != nil || again != sum {
		t.Fatalf("second put: %q %v", again, err)
	}
	got, err := s.Get(ctx, sum)
	if err != nil || string(got) != "a fish" || !s.Has(ctx, sum) {
		t.Fatalf("get: %q %v", got, err)
	}
	if err := s.Delete(ctx, sum); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, sum); !errors.Is(err, ErrNotFound) || s.Has(ctx, sum) {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.Delete(ctx, sum); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
}

func TestNamesCannotEscape(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("x"), 0o600)
	s := New(filepath.Join(dir, "store"))
	for _, name := range []string{"../secret", "../../etc/passwd", "", "ZZ" + Sum(nil)[2:], Sum(nil) + "/.."} {
		if _, err := s.Get(ctx, name); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) = %v", name, err)
		}
		s.Delete(ctx, name)
	}
	if _, err := os.Stat(secret); err != nil {
		t.Error("a crafted name deleted a file outside the store")
	}
}

func TestNoTempFilesLeft(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := New(dir)
	for i := range 5 {
		if _, err := s.Put(ctx, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*", ".tmp-*"))
	if len(matches) != 0 {
		t.Errorf("temp files left: %v", matches)
	}
}

func TestNothingIsWrittenOnceTheContextIsDone(t *testing.T) {
	dir := t.TempDir()
	s := New(dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, []byte("a fish")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put after the client left = %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the store holds %d entries after a cancelled Put", len(entries))
	}
}

func TestPutSumRefusesNonSums(t *testing.T) {
	s := New(t.TempDir())
	if err := s.PutSum(context.Background(), "../x", []byte("a fish")); err == nil {
		t.Error("PutSum accepted a name that is not a sum")
	}
}
