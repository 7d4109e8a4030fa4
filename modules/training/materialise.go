package training

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
)

// dataDir is where a job's photos are laid out as an ImageFolder.
func dataDir(jobDir string) string { return filepath.Join(jobDir, "data") }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// photoName is a photo's file name in the ImageFolder: its group (made
// safe for a file name), a tilde, its SHA-256 and the extension of its
// format, so validation can hold out whole groups by matching the name.
func photoName(it DatasetItem, data []byte) string {
	ext := ".img"
	switch http.DetectContentType(data) {
	case "image/jpeg":
		ext = ".jpg"
	case "image/png":
		ext = ".png"
	case "image/gif":
		ext = ".gif"
	case "image/bmp":
		ext = ".bmp"
	case "image/webp":
		ext = ".webp"
	}
	group := unsafeName.ReplaceAllString(it.Group, "_")
	if group == "" {
		return it.SHA256 + ext
	}
	return group + "~" + it.SHA256 + ext
}

// materialise writes the version's photos into <jobDir>/data/<label>/,
// once: it is built in a temporary folder and renamed into place, so a
// worker killed half way leaves nothing a resumed job would trust, and a
// job resumed on another worker (TRAINING_DIR is shared) finds it whole.
func (m *Module) materialise(ctx context.Context, jobDir, versionID string) (string, error) {
	dst := dataDir(jobDir)
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	v, err := m.deps.Datasets.Version(ctx, versionID)
	if err != nil {
		return "", fmt.Errorf("reading dataset version %s: %w", versionID, err)
	}
	if err := os.MkdirAll(jobDir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(jobDir, ".data-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // gone once renamed
	made := map[string]bool{}
	for _, it := range v.Items {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		label := filepath.Base(it.Label)
		if label != it.Label || label == "." || label == ".." || label == "" {
			return "", fmt.Errorf("%w: label %q cannot name a folder", errBadDataset, it.Label)
		}
		data, err := m.deps.Datasets.Photo(ctx, it.SHA256)
		if err != nil {
			return "", fmt.Errorf("reading photo %s: %w", it.SHA256, err)
		}
		dir := filepath.Join(tmp, label)
		if !made[label] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", err
			}
			made[label] = true
		}
		if err := os.WriteFile(filepath.Join(dir, photoName(it, data)), data, 0o644); err != nil {
			return "", err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		// A worker that took the job over from a stalled one may have
		// laid it out meanwhile: the same photos, whole.
		if _, statErr := os.Stat(dst); statErr == nil {
			return dst, nil
		}
		return "", err
	}
	return dst, nil
}
