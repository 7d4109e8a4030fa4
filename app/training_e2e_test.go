package app_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

// TestZipTrainsIntoAServedModel is the farm's whole path: a zip of
// labelled folders becomes a dataset, a frozen version, a training job
// and a registered model, which an admin loads and a camera then asks for
// by id. The job names no architecture, so it trains the default from
// scratch, the wide SmallCNN, which its model card says.
func TestZipTrainsIntoAServedModel(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Worker.Enabled = true; c.Training.Threads = 1 })
	id, job := trainThroughTheAPI(t, ta, "", "16x16", 24, 24)
	var m struct{ Input string }
	ta.Do("GET", ta.API("/models/"+id), nil, ta.Admin().Auth()).Want(200).JSON(&m)
	if m.Input != "16x16" {
		t.Errorf("the model's input reads %q, want 16x16", m.Input)
	}
	if card := modelCard(t, ta, job); !strings.Contains(card, "- Architecture: smallcnn-wide, ") || !strings.Contains(card, "flip TTA false") {
		t.Errorf("a job with no architecture named did not train smallcnn-wide served once a photo; its card:\n%s", card)
	}
}

// TestSmallCNNJobIsServedFlipped: a job naming smallcnn gets flip TTA by
// default, so its model answers a photo and its mirror image alike.
func TestSmallCNNJobIsServedFlipped(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Worker.Enabled = true; c.Training.Threads = 1 })
	id, job := trainThroughTheAPI(t, ta, "smallcnn", "16x16", 24, 24)
	if card := modelCard(t, ta, job); !strings.Contains(card, "flip TTA true") {
		t.Errorf("a smallcnn job's card does not say flip TTA:\n%s", card)
	}
	// The two passes of a photo may share a batch or not, so the sums agree
	// to rounding, not to the bit.
	photo, mirror := mirrorPair(t, 24, 24)
	a, b := classifyWith(t, ta, id, photo), classifyWith(t, ta, id, mirror)
	for l, p := range a {
		if q, ok := b[l]; !ok || math.Abs(p-q) > 1e-5 {
			t.Errorf("a photo was answered %v, its mirror image %v: the model is not served flipped", a, b)
			break
		}
	}
}

// modelCard is the model card of a completed training job's report.
func modelCard(t *testing.T, ta *apptest.TestApp, job string) string {
	t.Helper()
	var report struct {
		Card string `json:"model_card"`
	}
	ta.Do("GET", ta.API("/training-jobs/"+job+"/report"), nil, ta.Admin().Auth()).Want(200).JSON(&report)
	return report.Card
}

// mirrorPair encodes a photo that differs left to right, and its mirror.
func mirrorPair(t *testing.T, w, h int) ([]byte, []byte) {
	t.Helper()
	photo, mirror := image.NewNRGBA(image.Rect(0, 0, w, h)), image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{uint8(x * 255 / (w - 1)), 40, uint8(255 - y*255/(h-1)), 255}
			photo.Set(x, y, c)
			mirror.Set(w-1-x, y, c)
		}
	}
	var out [2][]byte
	for i, img := range []image.Image{photo, mirror} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		out[i] = buf.Bytes()
	}
	return out[0], out[1]
}

// classifyWith returns the model's confidence in each of its three labels
// for a PNG photo.
func classifyWith(t *testing.T, ta *apptest.TestApp, model string, photo []byte) map[string]float64 {
	t.Helper()
	var got struct {
		Predictions []struct {
			Label      string
			Confidence float64
		}
	}
	ta.Do("POST", ta.API("/classify?model="+model+"&top_k=3"), photo, apptest.With(ta.Admin().Auth(), "Content-Type", "image/png")).Want(200).JSON(&got)
	out := map[string]float64{}
	for _, p := range got.Predictions {
		out[p.Label] = p.Confidence
	}
	if len(out) != 3 {
		t.Fatalf("asked for three labels, got %+v", got.Predictions)
	}
	return out
}

// TestWideInputTrainsIntoAServedModel trains on crops twice as wide as
// tall at 128x64: the model says so in the listing and in /v2, takes
// tensors of that shape only, and classifies a photo.
func TestWideInputTrainsIntoAServedModel(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Worker.Enabled = true; c.Training.Threads = 1 })
	admin := ta.Admin()
	id, _ := trainThroughTheAPI(t, ta, "smallcnn-shallow", "128x64", 48, 24)
	var m struct {
		Name, Input string
		InputSize   int `json:"input_size"`
	}
	ta.Do("GET", ta.API("/models/"+id), nil, admin.Auth()).Want(200).JSON(&m)
	if m.Input != "128x64" || m.InputSize != 64 {
		t.Errorf("the model's input reads %q (input_size %d), want 128x64 (height 64)", m.Input, m.InputSize)
	}
	var meta struct {
		Inputs []struct {
			Name  string
			Shape []int
		}
	}
	ta.Do("GET", "/v2/models/"+m.Name, nil, admin.Auth()).Want(200).JSON(&meta)
	var shape []int
	for _, in := range meta.Inputs {
		if in.Name == "tensor" {
			shape = in.Shape
		}
	}
	if fmt.Sprint(shape) != "[-1 3 64 128]" {
		t.Errorf("/v2 declares the tensor input %v, want [-1 3 64 128] (NCHW)", shape)
	}
	tensor := func(h, w int) map[string]any {
		return map[string]any{"inputs": []any{map[string]any{
			"name": "tensor", "shape": []int{1, 3, h, w}, "datatype": "FP32", "data": make([]float32, 3*h*w)}}}
	}
	ta.Do("POST", "/v2/models/"+m.Name+"/infer", tensor(64, 128), admin.Auth()).Want(200)
	ta.Do("POST", "/v2/models/"+m.Name+"/infer", tensor(128, 64), admin.Auth()).Want(400)
	ta.Do("POST", "/v2/models/"+m.Name+"/infer", tensor(64, 64), admin.Auth()).Want(400)
}

// trainThroughTheAPI uploads a zip of three species' w x h photos, trains
// a job of arch ("" names none) at input and loads the model, which must
// then classify a photo as one of them. It returns the model's and the
// job's ids.
func trainThroughTheAPI(t *testing.T, ta *apptest.TestApp, arch, input string, w, h int) (string, string) {
	t.Helper()
	admin := ta.Admin()
	var ds struct{ ID string }
	ta.Do("POST", ta.API("/datasets"), map[string]any{"name": "farm"}, admin.Auth()).Want(201).JSON(&ds)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	rng := rand.New(rand.NewPCG(1, 2))
	cols := []color.NRGBA{{200, 40, 40, 255}, {40, 200, 40, 255}, {40, 40, 200, 255}}
	for l, name := range []string{"bream", "carp", "trout"} {
		for n := range 12 {
			img := image.NewNRGBA(image.Rect(0, 0, w, h))
			for y := range h {
				for x := range w {
					j := func(c uint8) uint8 { return uint8(min(255, max(0, int(c)+rng.IntN(61)-30))) }
					b := cols[l]
					img.Set(x, y, color.NRGBA{j(b.R), j(b.G), j(b.B), 255})
				}
			}
			w, _ := zw.Create(fmt.Sprintf("%s/%02d.png", name, n))
			png.Encode(w, img)
		}
	}
	zw.Close()
	ta.Do("POST", ta.API("/datasets/"+ds.ID+"/items"), buf.Bytes(), apptest.With(admin.Auth(), "Content-Type", "application/zip")).Want(201)
	var v struct{ ID string }
	ta.Do("POST", ta.API("/datasets/"+ds.ID+"/versions"), nil, admin.Auth()).Want(201).JSON(&v)
	var job struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		ModelID   string `json:"model_id"`
		LastError string `json:"last_error"`
	}
	req := map[string]any{"dataset_version": v.ID, "input": input, "epochs": 2}
	if arch != "" {
		req["architecture"] = arch
	}
	ta.Do("POST", ta.API("/training-jobs"), req, admin.Auth()).Want(202).JSON(&job)
	deadline := time.Now().Add(time.Minute)
	for job.Status != "completed" && job.Status != "failed" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		ta.Do("GET", ta.API("/training-jobs/"+job.ID), nil, admin.Auth()).Want(http.StatusOK).JSON(&job)
	}
	t.Logf("job %+v", job)
	if job.Status != "completed" {
		t.Fatalf("%+v", job)
	}
	ta.Do("GET", ta.API("/models/"+job.ModelID), nil, admin.Auth()).Want(200)
	ta.Do("POST", ta.API("/models/"+job.ModelID+"/load"), nil, admin.Auth()).Want(200)
	var got struct {
		Model       struct{ ID string }
		Predictions []struct{ Label string }
	}
	red := apptest.Photo(t, 3, w, h, "png")
	ta.Do("POST", ta.API("/classify?model="+job.ModelID), red, apptest.With(admin.Auth(), "Content-Type", "image/png")).Want(200).JSON(&got)
	if got.Model.ID != job.ModelID || len(got.Predictions) == 0 {
		t.Fatalf("answer %+v does not come from the trained model", got)
	}
	switch got.Predictions[0].Label {
	case "bream", "carp", "trout":
	default:
		t.Errorf("the trained model answered %q, not one of the farm's species", got.Predictions[0].Label)
	}
	return job.ModelID, job.ID
}
