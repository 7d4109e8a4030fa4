package modelfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"testing"
)

// assemble builds a file around arbitrary sections with a valid checksum, so
// tests reach the checks that run after checksum verification.
func assemble(version uint32, meta, blob []byte) []byte {
	var b bytes.Buffer
	b.WriteString(Magic)
	binary.Write(&b, binary.LittleEndian, version)
	binary.Write(&b, binary.LittleEndian, uint64(len(meta)))
	b.Write(meta)
	binary.Write(&b, binary.LittleEndian, uint64(len(blob)))
	b.Write(blob)
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// rawTensor encodes one tensor with a possibly inconsistent value count.
func rawTensor(name string, shape []uint64, count uint64, values int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint32(len(name)))
	b.WriteString(name)
	binary.Write(&b, binary.LittleEndian, uint32(len(shape)))
	for _, d := range shape {
		binary.Write(&b, binary.LittleEndian, d)
	}
	binary.Write(&b, binary.LittleEndian, count)
	b.Write(make([]byte, 4*values))
	return b.Bytes()
}

func blob(count uint32, tensors ...[]byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, count)
	for _, t := range tensors {
		b = append(b, t...)
	}
	return b
}

func validMeta(t *testing.T) []byte {
	meta, err := json.Marshal(sampleModel().Meta)
	if err != nil {
		t.Fatal(err)
	}
	return meta
}

func TestReadRejects(t *testing.T) {
	good := encodeModel(t, sampleModel())
	meta := validMeta(t)
	flipped := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x40
		return b
	}
	hugeMeta := bytes.Clone(good[:20])
	binary.LittleEndian.PutUint64(hugeMeta[12:], 1<<62)
	noLabels := sampleModel().Meta
	noLabels.Labels = nil
	noLabelsJSON, _ := json.Marshal(noLabels)
	one := rawTensor("w", []uint64{2, 3}, 6, 6)

	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrBadMagic},
		{"other format", []byte("\x89PNG\r\n\x1a\n and more bytes here"), ErrBadMagic},
		{"magic prefix", []byte("AQUA"), ErrTruncated},
		{"version 2", assemble(2, meta, blob(1, one)), ErrVersion},
		{"flipped metadata byte", flipped(30), ErrChecksum},
		{"flipped weight byte", flipped(len(good) - 40), ErrChecksum},
		{"flipped checksum byte", flipped(len(good) - 1), ErrChecksum},
		{"absurd metadata length", hugeMeta, ErrCorrupt},
		{"metadata length past the end", assemble(1, meta, blob(1, one))[:200], ErrTruncated},
		{"bad JSON", assemble(1, []byte("{nope"), blob(1, one)), ErrCorrupt},
		{"no labels", assemble(1, noLabelsJSON, blob(1, one)), ErrInvalid},
		{"shape mismatch", assemble(1, meta, blob(1, rawTensor("w", []uint64{2, 3}, 5, 5))), ErrShape},
		{"values missing", assemble(1, meta, blob(1, rawTensor("w", []uint64{2, 3}, 6, 2))), ErrCorrupt},
		{"absurd tensor count", assemble(1, meta, blob(1<<31, one)), ErrCorrupt},
		{"absurd dimension", assemble(1, meta, blob(1, rawTensor("w", []uint64{1 << 40, 1 << 40}, 0, 0))), ErrCorrupt},
		{"zero dimension", assemble(1, meta, blob(1, rawTensor("w", []uint64{0}, 0, 0))), ErrCorrupt},
		{"rank 9", assemble(1, meta, blob(1, rawTensor("w", make([]uint64, 9), 1, 1))), ErrCorrupt},
		{"empty name", assemble(1, meta, blob(1, rawTensor("", []uint64{1}, 1, 1))), ErrCorrupt},
		{"duplicate names", assemble(1, meta, blob(2, one, one)), ErrInvalid},
		{"trailing blob bytes", assemble(1, meta, append(blob(1, one), 0)), ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Read(bytes.NewReader(tc.data))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var fe *FormatError
			if m != nil || !errors.As(err, &fe) {
				t.Errorf("got model %v and error %T", m, err)
			}
		})
	}
}

func TestReadEveryTruncation(t *testing.T) {
	good := encodeModel(t, sampleModel())
	for n := range len(good) {
		_, err := Read(bytes.NewReader(good[:n]))
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrBadMagic) {
			t.Fatalf("prefix of %d bytes: %v, want ErrTruncated", n, err)
		}
	}
}

func TestLyingLengthDoesNotAllocate(t *testing.T) {
	// Declares 8 GB of weights, delivers a few bytes.
	data := assemble(1, validMeta(t), nil)
	weightLenAt := 20 + len(validMeta(t))
	binary.LittleEndian.PutUint64(data[weightLenAt:], MaxWeightsBytes)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Read(bytes.NewReader(data))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("allocated %d bytes for a %d-byte input", grew, len(data))
	}
}

func TestWriteRejectsInvalid(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Model)
		want   error
	}{
		{"no name", func(m *Model) { m.Meta.Name = "" }, ErrInvalid},
		{"zero std", func(m *Model) { m.Meta.Std[1] = 0 }, ErrInvalid},
		{"zero input", func(m *Model) { m.Meta.Input.Height = 0 }, ErrInvalid},
		{"duplicate label", func(m *Model) { m.Meta.Labels[1].Name = m.Meta.Labels[0].Name }, ErrInvalid},
		{"threshold above 1", func(m *Model) { m.Meta.UnknownThreshold = 1.5 }, ErrInvalid},
		{"NaN metric", func(m *Model) { m.Meta.Metrics.Accuracy = math.NaN() }, ErrInvalid},
		{"shape mismatch", func(m *Model) { m.Tensors[0].Data = m.Tensors[0].Data[:3] }, ErrShape},
		{"negative dimension", func(m *Model) { m.Tensors[1].Shape = []int{-2} }, ErrShape},
		{"duplicate tensor", func(m *Model) { m.Tensors[1].Name = m.Tensors[0].Name }, ErrInvalid},
		{"unnamed tensor", func(m *Model) { m.Tensors[2].Name = "" }, ErrInvalid},
	}
	for _, tc := range tests {
		m := sampleModel()
		tc.mutate(m)
		var buf bytes.Buffer
		if err := Write(&buf, m); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}
