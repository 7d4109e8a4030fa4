// Package blobstore keeps files on disk under the SHA-256 of their content:
// the same bytes are stored once, a name can never point at other bytes,
// and writes are atomic (temp file, fsync, rename), so a crash leaves
// either the whole file or nothing.
package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ErrNotFound means no blob has that sum.
var ErrNotFound = errors.New("blobstore: not found")

// Store is a directory of blobs, sharded by the first two hex digits.
type Store struct {
	dir string
}

// New returns a store rooted at dir (created on first write).
func New(dir string) *Store { return &Store{dir: dir} }

// Sum is the hex SHA-256 of data, the name Put stores it under.
func Sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Put stores data and returns its sum. Storing existing content is a no-op.
// Nothing is written once ctx is done.
func (s *Store) Put(ctx context.Context, data []byte) (string, error) {
	sum := Sum(data)
	return sum, s.PutSum(ctx, sum, data)
}

// PutSum is Put for a caller that has hashed data already: sum must be
// Sum(data). A photo is hashed once on its way in, not once per store.
func (s *Store) PutSum(ctx context.Context, sum string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	if !valid(sum) {
		return fmt.Errorf("blobstore: %q is not a SHA-256 sum", sum)
	}
	path := s.path(sum)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("blobstore: %w", err)
	}
	return nil
}

// Get reads the blob with this sum.
func (s *Store) Get(ctx context.Context, sum string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	if !valid(sum) {
		return nil, ErrNotFound
	}
	b, err := os.ReadFile(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("blobstore: %w", err)
	}
	return b, nil
}

// Has reports whether the blob exists.
func (s *Store) Has(ctx context.Context, sum string) bool {
	if ctx.Err() != nil {
		return false
	}
	if !valid(sum) {
		return false
	}
	_, err := os.Stat(s.path(sum))
	return err == nil
}

// Delete removes the blob; a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, sum string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	if !valid(sum) {
		return nil
	}
	if err := os.Remove(s.path(sum)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobstore: %w", err)
	}
	return nil
}

// Each calls fn with every blob's sum and the time it was written, in no
// particular order, until fn returns an error. Files that are not blobs
// (a write's temporary file) are skipped.
func (s *Store) Each(ctx context.Context, fn func(sum string, written time.Time) error) error {
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !valid(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		return fn(d.Name(), info.ModTime())
	})
	if err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	return nil
}

func (s *Store) path(sum string) string {
	return filepath.Join(s.dir, sum[:2], sum)
}

// valid keeps caller-supplied names from reaching outside the store.
func valid(sum string) bool {
	if len(sum) != 64 {
		return false
	}
	for i := 0; i < len(sum); i++ {
		c := sum[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
