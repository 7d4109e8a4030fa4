package keyfile

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestProcessesStartingAtOnceAgree: replicas starting together on one
// shared directory end up with one secret, whoever made it.
func TestProcessesStartingAtOnceAgree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets")
	const n = 16
	var (
		wg      sync.WaitGroup
		got     [n]string
		created [n]bool
		errs    [n]error
	)
	for i := range n {
		wg.Go(func() { got[i], created[i], errs[i] = Load(dir, "jwt") })
	}
	wg.Wait()
	makers := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if got[i] != got[0] {
			t.Fatalf("secrets disagree: %q vs %q", got[i], got[0])
		}
		if created[i] {
			makers++
		}
	}
	if makers != 1 || len(got[0]) < 40 {
		t.Errorf("%d makers, secret %q", makers, got[0])
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestUntrustworthyFilesAreRefused(t *testing.T) {
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		wantErr string
	}{
		{"readable by others", strings.Repeat("k", 43), 0o644, "others may read"},
		{"too short to be ours", "hunter2", 0o600, "fewer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "jwt")
			if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, tt.mode) // past the umask
			if _, _, err := Load(dir, "jwt"); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}
