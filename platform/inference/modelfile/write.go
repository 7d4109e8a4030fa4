package modelfile

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Magic starts every model file; Version is the layout this package writes.
const (
	Magic   = "AQUAMODL"
	Version = 1
)

// Write validates m and encodes it to w in the model file layout.
func Write(w io.Writer, m *Model) error {
	if err := m.Validate(); err != nil {
		return err
	}
	meta, err := json.Marshal(m.Meta)
	if err != nil {
		return formatErr(ErrInvalid, err, "encode metadata")
	}
	if len(meta) > MaxMetadataBytes {
		return formatErr(ErrInvalid, nil, "metadata is %d bytes, limit %d", len(meta), MaxMetadataBytes)
	}
	weightLen := uint64(4)
	for _, t := range m.Tensors {
		weightLen += 4 + uint64(len(t.Name)) + 4 + 8*uint64(len(t.Shape)) + 8 + 4*uint64(len(t.Data))
	}
	if weightLen > MaxWeightsBytes {
		return formatErr(ErrInvalid, nil, "weights are %d bytes, limit %d", weightLen, MaxWeightsBytes)
	}

	h := sha256.New()
	e := encoder{w: bufio.NewWriterSize(io.MultiWriter(w, h), 1<<16)}
	e.bytes([]byte(Magic))
	e.u32(Version)
	e.u64(uint64(len(meta)))
	e.bytes(meta)
	e.u64(weightLen)
	e.u32(uint32(len(m.Tensors)))
	for _, t := range m.Tensors {
		e.u32(uint32(len(t.Name)))
		e.bytes([]byte(t.Name))
		e.u32(uint32(len(t.Shape)))
		for _, d := range t.Shape {
			e.u64(uint64(d))
		}
		e.u64(uint64(len(t.Data)))
		e.floats(t.Data)
	}
	if e.err == nil {
		e.err = e.w.Flush()
	}
	if e.err != nil {
		return fmt.Errorf("modelfile: write: %w", e.err)
	}
	if _, err := w.Write(h.Sum(nil)); err != nil {
		return fmt.Errorf("modelfile: write checksum: %w", err)
	}
	return nil
}

// WriteFile writes m to path atomically: to a temporary file in the same
// directory, synced, then renamed over path. Readers see the old file or the
// complete new one, never a partial write.
func WriteFile(path string, m *Model) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("modelfile: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := Write(f, m); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("modelfile: sync %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("modelfile: close %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("modelfile: %w", err)
	}
	return nil
}

// encoder writes little-endian values and remembers the first error.
type encoder struct {
	w   *bufio.Writer
	err error
	buf [8]byte
}

func (e *encoder) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.buf[:4], v)
	e.bytes(e.buf[:4])
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:8], v)
	e.bytes(e.buf[:8])
}

func (e *encoder) floats(data []float32) {
	var chunk [4096]byte
	for len(data) > 0 && e.err == nil {
		n := min(len(data), len(chunk)/4)
		for i, v := range data[:n] {
			binary.LittleEndian.PutUint32(chunk[4*i:], math.Float32bits(v))
		}
		e.bytes(chunk[:4*n])
		data = data[n:]
	}
}
