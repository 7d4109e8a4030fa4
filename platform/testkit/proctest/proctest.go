// Package proctest runs the real aquaml command beside a test: it builds
// the binary once per test binary and gives the subprocesses (and servers)
// a log sink their goroutines can share.
package proctest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

// Main runs the package's tests, then removes the binary Binary built.
// Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// Binary builds the real aquaml command once per test binary (with the
// race detector when the tests run with it) and returns its path. The
// build shares the test's compiled packages, so it costs little more than
// a link.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "aquaml-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "aquaml")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		// go test puts its own GOROOT/bin first on PATH, so this is the
		// toolchain that built the test, sharing its build cache.
		cmd := exec.Command("go", append(args, "github.com/aquaml/aquaml")...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out.String())
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Buffer is a bytes.Buffer safe for concurrent writers: a log sink a
// server's or subprocess's goroutines share with the test reading it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
