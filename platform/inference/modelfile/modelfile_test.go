package modelfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleModel() *Model {
	return &Model{
		Meta: Metadata{
			Name:         "smallcnn",
			Version:      "2024.1",
			CreatedAt:    time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
			Architecture: json.RawMessage(`{"kind":"smallcnn","widths":[16,32]}`),
			Input:        Input{Channels: 3, Height: 64, Width: 64},
			Mean:         [3]float32{0.5, 0.5, 0.5},
			Std:          [3]float32{0.25, 0.25, 0.25},
			Labels: []Label{
				{Name: "dascyllus_reticulatus", ScientificName: "Dascyllus reticulatus", CommonName: "reticulate dascyllus"},
				{Name: "zanclus_cornutus", ScientificName: "Zanclus cornutus", CommonName: "Moorish idol"},
			},
			UnknownThreshold: 0.35,
			Training: &Training{
				TrainDir: "train", ValDir: "val", Epochs: 2, Seed: 7, Command: "aquaml train",
				Classes:         []ClassCount{{Label: "dascyllus_reticulatus", Train: 10, Val: 3}},
				WallTimeSeconds: 12.5, Licence: "copyright notice",
				History: []Epoch{{Epoch: 1, TrainLoss: 1.2, ValLoss: math.NaN(), ValAccuracy: 0.5, ValMacroF1: 0.25, Seconds: 3}},
			},
			Metrics: &Metrics{Split: "val", Accuracy: 0.9, MacroF1: 0.7,
				PerClass: []ClassMetrics{{Label: "zanclus_cornutus", Precision: 1, Recall: 0.5, F1: 2. / 3, Support: 2}}},
		},
		Tensors: []Tensor{
			{Name: "conv1.weight", Shape: []int{2, 3, 3, 3}, Data: ramp(54)},
			{Name: "conv1.bias", Shape: []int{2}, Data: []float32{float32(math.Inf(1)), float32(math.Copysign(0, -1))}},
			{Name: "scale", Shape: []int{}, Data: []float32{1.5}},
		},
	}
}

func ramp(n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(i)*0.125 - 3
	}
	return d
}

func encodeModel(t testing.TB, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	want := sampleModel()
	got, err := Read(bytes.NewReader(encodeModel(t, want)))
	if err != nil {
		t.Fatal(err)
	}
	// NaN never equals itself: compare the history separately.
	gh, wh := got.Meta.Training.History, want.Meta.Training.History
	if len(gh) != 1 || !math.IsNaN(gh[0].ValLoss) || gh[0].TrainLoss != wh[0].TrainLoss || gh[0].ValMacroF1 != wh[0].ValMacroF1 {
		t.Errorf("history = %+v", gh)
	}
	got.Meta.Training.History, want.Meta.Training.History = nil, nil
	if !reflect.DeepEqual(got.Meta, want.Meta) {
		t.Errorf("metadata differs:\n got %+v\nwant %+v", got.Meta, want.Meta)
	}
	if !reflect.DeepEqual(got.Tensors, want.Tensors) {
		t.Errorf("tensors differ:\n got %+v\nwant %+v", got.Tensors, want.Tensors)
	}
	b, ok := got.Tensor("conv1.bias")
	if !ok || !math.IsInf(float64(b.Data[0]), 1) || math.Signbit(float64(b.Data[1])) != math.Signbit(float64(want.Tensors[1].Data[1])) {
		t.Errorf("Tensor(conv1.bias) = %+v, %v", b, ok)
	}
	if _, ok := got.Tensor("missing"); ok {
		t.Error("Tensor found a missing name")
	}
}

func TestMetadataJSONNames(t *testing.T) {
	data := encodeModel(t, sampleModel())
	metaLen := binary.LittleEndian.Uint64(data[12:20])
	meta := string(data[20 : 20+metaLen])
	for _, key := range []string{`"name":"smallcnn"`, `"created_at":"2024-05-01T12:00:00Z"`, `"unknown_threshold":0.35`,
		`"scientific_name":"Dascyllus reticulatus"`, `"macro_f1":0.7`, `"per_class":[`, `"val_loss":null`, `"wall_time_seconds":12.5`,
		`"input":{"channels":3,"height":64,"width":64}`, `"architecture":{"kind":"smallcnn"`} {
		if !strings.Contains(meta, key) {
			t.Errorf("metadata JSON lacks %s:\n%s", key, meta)
		}
	}
}

func TestWriteFileAtomicAndChecksum(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fish.aqm")
	m := sampleModel()
	if err := WriteFile(path, m); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	got, err := Checksum(path)
	if err != nil || got != hex.EncodeToString(sum[:]) {
		t.Errorf("Checksum = %s, %v; want %x", got, err, sum)
	}
	if !bytes.Equal(data[len(data)-32:], func() []byte { s := sha256.Sum256(data[:len(data)-32]); return s[:] }()) {
		t.Error("trailing checksum is not the SHA-256 of the preceding bytes")
	}

	// A failed write leaves the previous file intact and no temporary behind.
	bad := sampleModel()
	bad.Tensors[0].Shape = []int{5}
	if err := WriteFile(path, bad); !errors.Is(err, ErrShape) {
		t.Fatalf("WriteFile(bad) = %v, want ErrShape", err)
	}
	if again, err := ReadFile(path); err != nil || again.Meta.Name != m.Meta.Name {
		t.Errorf("old file not intact: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the model", len(entries))
	}

	// Trailing bytes after the checksum are rejected by ReadFile.
	if err := os.WriteFile(path, append(data, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); !errors.Is(err, ErrCorrupt) {
		t.Errorf("trailing byte: %v, want ErrCorrupt", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "absent")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
