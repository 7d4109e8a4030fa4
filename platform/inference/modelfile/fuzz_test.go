package modelfile

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
)

// FuzzRead checks that arbitrary input yields a model or a typed error and
// that anything Read accepts survives a write/read round trip. Each input is
// read twice: as is, and with its last 32 bytes replaced by the right
// checksum, so mutations reach the parsing behind the checksum too. The seed
// corpus in testdata/fuzz/FuzzRead holds valid files and broken variants.
func FuzzRead(f *testing.F) {
	f.Add(encodeModel(f, sampleModel()))
	f.Fuzz(func(t *testing.T, data []byte) {
		readChecked(t, data)
		if len(data) >= sha256.Size {
			body := data[:len(data)-sha256.Size]
			sum := sha256.Sum256(body)
			readChecked(t, append(bytes.Clone(body), sum[:]...))
		}
	})
}

func readChecked(t *testing.T, data []byte) {
	m, err := Read(bytes.NewReader(data))
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		return
	}
	var buf bytes.Buffer
	if err := Write(&buf, m); err != nil {
		t.Fatalf("accepted model does not write back: %v", err)
	}
	again, err := Read(&buf)
	if err != nil || len(again.Tensors) != len(m.Tensors) || again.Meta.Name != m.Meta.Name {
		t.Fatalf("round trip failed: %v", err)
	}
}
