package nn

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// The state_dict of /work/shared/bench/model.py's SmallCNN(64, 23, deep),
// as PyTorch prints it, in order.
var torchSmallCNN = map[bool][][]int{
	true:  {{16, 3, 3, 3}, {16}, {32, 16, 3, 3}, {32}, {64, 32, 3, 3}, {64}, {23, 4096}, {23}},
	false: {{16, 3, 3, 3}, {16}, {32, 16, 3, 3}, {32}, {23, 8192}, {23}},
}

func TestSmallCNNMatchesPyTorchShapes(t *testing.T) {
	for deep, want := range torchSmallCNN {
		a, err := SmallCNN(64, 64, 23, deep)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]int
		for _, p := range a.Params() {
			got = append(got, p.Shape)
		}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("deep=%v: parameter shapes %v, PyTorch has %v", deep, got, want)
		}
	}
}

// Every architecture the messages list is one Named builds, and a name it
// does not know is refused with the list.
func TestNamedKnowsTheListedArchitectures(t *testing.T) {
	if got := ArchNames(); got != "fishnet, smallcnn, smallcnn-wide or smallcnn-shallow" {
		t.Errorf("ArchNames() = %q", got)
	}
	for _, name := range []string{"fishnet", "smallcnn", "smallcnn-wide", "smallcnn-shallow"} {
		if _, err := Named(name, 32, 32, 3); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := Named("resnet", 32, 32, 3)
	if !errors.Is(err, ErrArch) || !strings.Contains(err.Error(), ArchNames()) {
		t.Errorf("an unknown name: %v, want ErrArch naming %s", err, ArchNames())
	}
}

// The wide SmallCNN is SmallCNN with every conv's channels doubled.
func TestWideSmallCNNDoublesTheChannels(t *testing.T) {
	a, err := Named("smallcnn-wide", 64, 64, 23)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]int
	for _, p := range a.Params() {
		got = append(got, p.Shape)
	}
	want := [][]int{{32, 3, 3, 3}, {32}, {64, 32, 3, 3}, {64}, {128, 64, 3, 3}, {128}, {23, 8192}, {23}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("parameter shapes %v, want %v", got, want)
	}
}

// A 128x64 input (width x height) pools to a 16x8 map of 64 channels, so
// the classifier reads 8192 values; FishNet's global pooling keeps its
// weights those of the square network.
func TestNonSquareInputSizesTheClassifier(t *testing.T) {
	a, err := SmallCNN(128, 64, 7, true)
	if err != nil {
		t.Fatal(err)
	}
	if in := a.Input(); in.Width != 128 || in.Height != 64 {
		t.Fatalf("input %v, want 3x64x128", in)
	}
	params := a.Params()
	if got := params[len(params)-2].Shape; !slices.Equal(got, []int{7, 64 * 8 * 16}) {
		t.Errorf("classifier weight %v, want [7 8192]", got)
	}
	last := a.OutputShape(len(a.Layers()) - 3) // the last max-pool
	if last.Height != 8 || last.Width != 16 {
		t.Errorf("last pooled map %v, want 64x8x16", last)
	}
	wide, err := FishNet(128, 64, 7)
	if err != nil {
		t.Fatal(err)
	}
	square, err := FishNet(64, 64, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(wide.Params(), square.Params(), func(a, b Param) bool { return slices.Equal(a.Shape, b.Shape) }) {
		t.Error("FishNet's weights depend on the input size")
	}
	if r := float64(wide.FLOPs()) / float64(square.FLOPs()); r < 1.99 || r > 2.01 {
		t.Errorf("FishNet at 128x64 costs %.2f times 64x64, want 2", r)
	}
}

func TestParseRoundTrip(t *testing.T) {
	a := testArchs(t)["all-layers"]
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(raw, a.Input())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Layers(), b.Layers()) {
		t.Errorf("after a round trip through %s:\n got %+v\nwant %+v", raw, b.Layers(), a.Layers())
	}
	// Defaults are written out, so the file says what was used.
	if !strings.Contains(string(raw), `"eps":0.00001`) || !strings.Contains(string(raw), `"stride":1`) {
		t.Errorf("defaults missing from %s", raw)
	}
}

// TestEveryKindIsTested keeps doc.go's checklist honest: a registered layer
// kind that no fixture uses has no gradient nor reference test.
func TestEveryKindIsTested(t *testing.T) {
	archs := testArchs(t)
	archs["dropout"] = dropoutArch(t)
	used := map[LayerType]bool{}
	for _, a := range archs {
		for _, l := range a.Layers() {
			used[l.Type] = true
		}
	}
	for k := range kinds {
		if !used[k] {
			t.Errorf("layer kind %q is in no test fixture (fixtures_test.go)", k)
		}
	}
}

func TestParseRejects(t *testing.T) {
	in := Shape{3, 16, 16}
	for _, tc := range []struct {
		name, json, want string
	}{
		{"not json", `{"layers": [`, "unexpected EOF"},
		{"unknown field", `{"layers": [{"type": "dense", "out": 2, "units": 3}]}`, `unknown field "units"`},
		{"unknown type", `{"layers": [{"type": "lstm"}, {"type": "dense", "out": 2}]}`, `layer 0 (lstm): unknown layer type`},
		{"no layers", `{"layers": []}`, "no layers"},
		{"last not dense", `{"layers": [{"type": "conv", "out": 4, "kernel": 3}]}`, "last layer must be dense"},
		{"dense on a map", `{"layers": [{"type": "dense", "out": 2}]}`, "needs flat input"},
		{"conv after flatten", `{"layers": [{"type": "flatten"}, {"type": "conv", "out": 2, "kernel": 1}, {"type": "dense", "out": 2}]}`, "already flattened"},
		{"kernel too big", `{"layers": [{"type": "conv", "out": 4, "kernel": 17}, {"type": "flatten"}, {"type": "dense", "out": 2}]}`, "kernel = 17"},
		{"kernel larger than input", `{"layers": [{"type": "maxpool", "kernel": 8, "stride": 8}, {"type": "maxpool", "kernel": 3}, {"type": "flatten"}, {"type": "dense", "out": 2}]}`, "does not fit"},
		{"batchnorm alone", `{"layers": [{"type": "batchnorm"}, {"type": "flatten"}, {"type": "dense", "out": 2}]}`, "must directly follow a conv"},
		{"field of another type", `{"layers": [{"type": "relu", "p": 0.5}, {"type": "flatten"}, {"type": "dense", "out": 2}]}`, `"p" does not apply`},
		{"dropout p = 1", `{"layers": [{"type": "flatten"}, {"type": "dropout", "p": 1}, {"type": "dense", "out": 2}]}`, "p = 1"},
		{"zero outputs", `{"layers": [{"type": "flatten"}, {"type": "dense", "out": 0}]}`, "out = 0"},
		{"pool padding", `{"layers": [{"type": "maxpool", "kernel": 2, "pad": 2}, {"type": "flatten"}, {"type": "dense", "out": 2}]}`, "pad = 2"},
		{"huge", `{"layers": [{"type": "conv", "out": 8192, "kernel": 15, "pad": 7}, {"type": "conv", "out": 8192, "kernel": 15, "pad": 7}, {"type": "flatten"}, {"type": "dense", "out": 2}]}`, "parameters"},
		{"trailing data", `{"layers": [{"type": "flatten"}, {"type": "dense", "out": 2}]} {}`, "trailing data"},
	} {
		_, err := Parse([]byte(tc.json), in)
		if !errors.Is(err, ErrArch) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrArch mentioning %q", tc.name, err, tc.want)
		}
	}
	if _, err := Parse([]byte(`{"layers": [{"type": "flatten"}, {"type": "dense", "out": 2}]}`), Shape{3, 0, 16}); !errors.Is(err, ErrArch) {
		t.Errorf("empty input shape: got %v, want ErrArch", err)
	}
}

func TestFromModelChecksLabels(t *testing.T) {
	a, err := SmallCNN(16, 16, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(a)
	m := &modelfile.Model{Meta: modelfile.Metadata{
		Architecture: raw,
		Input:        modelfile.Input{Channels: 3, Height: 16, Width: 16},
		Labels:       []modelfile.Label{{Name: "a"}, {Name: "b"}, {Name: "c"}},
	}}
	if _, err := FromModel(m); err != nil {
		t.Fatalf("matching model: %v", err)
	}
	m.Meta.Labels = m.Meta.Labels[:2]
	if _, err := FromModel(m); !errors.Is(err, ErrArch) {
		t.Errorf("3 outputs for 2 labels: got %v, want ErrArch", err)
	}
}

func TestTensorsMustMatch(t *testing.T) {
	a := testArchs(t)["all-layers"]
	good := a.Init(1)
	edit := func(f func(ts []modelfile.Tensor) []modelfile.Tensor) []modelfile.Tensor {
		ts := make([]modelfile.Tensor, len(good))
		for i, tn := range good {
			ts[i] = modelfile.Tensor{Name: tn.Name, Shape: slices.Clone(tn.Shape), Data: slices.Clone(tn.Data)}
		}
		return f(ts)
	}
	for _, tc := range []struct {
		name    string
		tensors []modelfile.Tensor
		want    string
	}{
		{"missing", edit(func(ts []modelfile.Tensor) []modelfile.Tensor { return ts[1:] }), `missing tensor "layers.0.weight"`},
		{"unexpected", edit(func(ts []modelfile.Tensor) []modelfile.Tensor {
			return append(ts, modelfile.Tensor{Name: "layers.2.weight", Shape: []int{1}, Data: []float32{1}})
		}), `unexpected tensor "layers.2.weight"`},
		{"duplicate", edit(func(ts []modelfile.Tensor) []modelfile.Tensor { return append(ts, ts[0]) }), "appears twice"},
		{"shape", edit(func(ts []modelfile.Tensor) []modelfile.Tensor {
			ts[0].Shape = []int{6, 3, 9}
			return ts
		}), "has shape [6 3 9], layer 0 (conv) needs [6 3 3 3]"},
		{"data length", edit(func(ts []modelfile.Tensor) []modelfile.Tensor {
			ts[0].Data = ts[0].Data[:5]
			return ts
		}), "has 5 values"},
		{"NaN", edit(func(ts []modelfile.Tensor) []modelfile.Tensor {
			ts[0].Data[3] = float32(math.NaN())
			return ts
		}), "holds NaN"},
		{"negative variance", edit(func(ts []modelfile.Tensor) []modelfile.Tensor {
			for i := range ts {
				if strings.HasSuffix(ts[i].Name, KindRunningVar) {
					ts[i].Data[0] = -1
				}
			}
			return ts
		}), "negative variance"},
	} {
		_, err := NewPredictor(a, tc.tensors, 1)
		if !errors.Is(err, ErrTensors) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrTensors mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestInitIsDeterministicAndScaled(t *testing.T) {
	a, err := SmallCNN(32, 32, 10, true)
	if err != nil {
		t.Fatal(err)
	}
	x, y, z := a.Init(7), a.Init(7), a.Init(8)
	if !slices.EqualFunc(x, y, func(p, q modelfile.Tensor) bool { return slices.Equal(p.Data, q.Data) }) {
		t.Error("the same seed gave different weights")
	}
	if slices.Equal(x[0].Data, z[0].Data) {
		t.Error("different seeds gave the same weights")
	}
	// He init: the second conv's weights (fan-in 16*3*3) have std sqrt(2/144).
	w := x[2].Data
	var sq float64
	for _, v := range w {
		sq += float64(v) * float64(v)
	}
	if std, want := math.Sqrt(sq/float64(len(w))), math.Sqrt(2.0/144); std < 0.9*want || std > 1.1*want {
		t.Errorf("layers.3.weight std %.4f, He init wants %.4f", std, want)
	}
}

func TestFishNetCost(t *testing.T) {
	a, err := FishNet(64, 64, 23)
	if err != nil {
		t.Fatal(err)
	}
	params := 0
	for _, p := range a.Params() {
		params += p.Len()
	}
	// Six convs (3x3, 16 to 128 channels) and the 128x23 classifier, as the
	// doc comment promises.
	if mflops := float64(a.FLOPs()) / 1e6; mflops < 69 || mflops > 71 || params < 280_000 || params > 295_000 {
		t.Errorf("FishNet(64): %.1f MFLOPs and %d parameters", mflops, params)
	}
}
