package classification_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// modelFile is a small servable model with random weights: a stand-in for
// a model an operator trained, distinct per seed. Its input is 32 px
// square unless a size is given: a side, or a width and a height.
func modelFile(t testing.TB, name, version string, seed uint64, labels []string, size ...int) []byte {
	t.Helper()
	width, height := 32, 32
	if len(size) > 0 {
		width, height = size[0], size[0]
	}
	if len(size) > 1 {
		height = size[1]
	}
	arch, err := nn.SmallCNN(width, height, len(labels), false)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := arch.MarshalJSON()
	ls := make([]modelfile.Label, len(labels))
	for i, l := range labels {
		ls[i] = modelfile.Label{Name: l, ScientificName: "Piscis " + l, CommonName: l + " fish"}
	}
	m := &modelfile.Model{
		Meta: modelfile.Metadata{Name: name, Version: version, Architecture: raw,
			Input: modelfile.Input{Channels: 3, Height: height, Width: width},
			Mean:  [3]float32{.5, .5, .5}, Std: [3]float32{.25, .25, .25}, Labels: ls},
		Tensors: arch.Init(seed),
	}
	var buf bytes.Buffer
	if err := modelfile.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type species struct {
	Label          string  `json:"label"`
	ScientificName string  `json:"scientific_name"`
	CommonName     string  `json:"common_name"`
	Confidence     float32 `json:"confidence"`
}

type classification struct {
	PredictionID string `json:"prediction_id"`
	Model        struct {
		ID, Name, Version string
	} `json:"model"`
	Predictions []species `json:"predictions"`
	Unknown     bool      `json:"unknown"`
	Image       struct {
		SHA256    string `json:"sha256"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
		Format    string `json:"format"`
		SizeBytes int    `json:"size_bytes"`
	} `json:"image"`
	LatencyMS float64 `json:"latency_ms"`
	Cached    bool    `json:"cached"`
}

// classify posts img as multipart field "file".
func classify(t testing.TB, ta *apptest.TestApp, s apptest.Session, img []byte, fields map[string]string) *apptest.Response {
	t.Helper()
	body, ct := apptest.Multipart(t, "file", "fish.png", img, fields)
	return ta.Do("POST", ta.API("/classify"), body, apptest.With(s.Auth(), "Content-Type", ct))
}

func countPredictions(t testing.TB, ta *apptest.TestApp) int64 {
	t.Helper()
	var n int64
	if err := ta.DB.Table("predictions").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func labelsN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("species_%c", 'a'+i)
	}
	return out
}
