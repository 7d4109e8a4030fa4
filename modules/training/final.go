package training

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// finalName is the trained model's file in the job's folder, written
// before it is registered.
const finalName = "model.aqm"

// finalModel returns the bytes to register for a job's trained model:
// the file an earlier attempt wrote to dir, or, on the first attempt, m
// written there. A worker killed between registering and completing
// leaves the job to be resumed; the next attempt trains no further but
// builds a model file that differs (its creation time, its wall time),
// and registering that would make a second model. Registering the same
// bytes again answers the first record.
func finalModel(dir string, m *modelfile.Model) ([]byte, error) {
	path := filepath.Join(dir, finalName)
	data, err := os.ReadFile(path)
	if err == nil {
		if _, perr := modelfile.Read(bytes.NewReader(data)); perr == nil {
			return data, nil
		}
		// A torn write from a crash: write it anew.
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the trained model: %w", err)
	}
	var buf bytes.Buffer
	if err := modelfile.Write(&buf, m); err != nil {
		return nil, fmt.Errorf("writing the model: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("writing the model: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("writing the model: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("writing the model: %w", err)
	}
	return buf.Bytes(), nil
}
