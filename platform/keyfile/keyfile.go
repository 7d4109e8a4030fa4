// Package keyfile keeps secrets a process generates for itself: made once,
// at random, in a file only its owner can read, and read back on every
// later start, so that what they signed stays valid across restarts.
package keyfile

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Mode is the permission of a key file: its owner reads and writes it,
// nobody else may even read it.
const Mode fs.FileMode = 0o600

// minLen is the shortest secret accepted back from a file: anything shorter
// was not written by Load.
const minLen = 32

// Load returns the secret kept in dir/name, making the directory (0700)
// and a random 256-bit secret first if there is none. created says whether
// this call made it. Processes starting at once on a shared directory agree:
// the file appears whole or not at all, and the first one to appear wins.
// A file that others may read, or that is too short to be ours, is refused
// rather than trusted.
func Load(dir, name string) (secret string, created bool, err error) {
	path := filepath.Join(dir, name)
	if s, err := read(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return s, false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, fmt.Errorf("keyfile: %w", err)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", false, fmt.Errorf("keyfile: random: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b[:])
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return "", false, fmt.Errorf("keyfile: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(Mode); err != nil {
		tmp.Close()
		return "", false, fmt.Errorf("keyfile: %w", err)
	}
	if _, err := tmp.WriteString(secret + "\n"); err != nil {
		tmp.Close()
		return "", false, fmt.Errorf("keyfile: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", false, fmt.Errorf("keyfile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", false, fmt.Errorf("keyfile: %w", err)
	}
	// A hard link, unlike a rename, never replaces a file another process
	// made meanwhile.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			s, err := read(path)
			return s, false, err
		}
		return "", false, fmt.Errorf("keyfile: %w", err)
	}
	return secret, true, nil
}

func read(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if perm := info.Mode().Perm(); perm&^Mode != 0 {
		return "", fmt.Errorf("keyfile: %s has mode %04o: others may read the secret; chmod 600 it (or replace it)", path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("keyfile: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if len(s) < minLen {
		return "", fmt.Errorf("keyfile: %s holds %d characters, fewer than a generated secret's; remove it to have a new one made", path, len(s))
	}
	return s, nil
}
