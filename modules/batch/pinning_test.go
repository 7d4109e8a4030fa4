package batch_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// perchLabels are the species of the farm model the pinning tests serve
// beside the bundled one: no bundled label looks like them, so every
// result tells which model produced it.
var perchLabels = []string{"perch-a", "perch-b", "perch-c"}

// farmModel is a small untrained model file named name:version.
func farmModel(t testing.TB, name, version string) []byte {
	t.Helper()
	arch, err := nn.SmallCNN(32, 32, len(perchLabels), false)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := arch.MarshalJSON()
	labels := make([]modelfile.Label, len(perchLabels))
	for i, l := range perchLabels {
		labels[i] = modelfile.Label{Name: l}
	}
	m := &modelfile.Model{
		Meta: modelfile.Metadata{Name: name, Version: version, Architecture: raw,
			Input: modelfile.Input{Channels: 3, Height: 32, Width: 32},
			Mean:  [3]float32{.5, .5, .5}, Std: [3]float32{.25, .25, .25}, Labels: labels},
		Tensors: arch.Init(7),
	}
	var buf bytes.Buffer
	if err := modelfile.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadModel registers a model file and returns its id.
func uploadModel(t testing.TB, ta *apptest.TestApp, admin apptest.Session, file []byte) string {
	t.Helper()
	body, ct := apptest.Multipart(t, "file", "model.aqm", file, nil)
	var v struct{ ID string }
	ta.Do("POST", ta.API("/models"), body, apptest.With(admin.Auth(), "Content-Type", ct)).Want(http.StatusCreated).JSON(&v)
	return v.ID
}

// TestBatchKeepsItsModelVersion changes the default model while a batch
// runs and kills the worker in the middle: every photo of the batch is
// still classified by the version it was submitted with, on both workers,
// and the next batch follows the new default.
func TestBatchKeepsItsModelVersion(t *testing.T) {
	redisURL, _ := sharedRedis(t)
	ta := apptest.New(t, func(c *config.Config) {
		c.Redis.URL, c.HTTP.BodyLimit, c.Batch.ChunkSize = redisURL, 64<<20, 8
	})
	admin, alice := ta.Admin(), ta.NewUser("alice")
	first := startWorker(t, ta.Config(), map[string]string{"WORKER_CONCURRENCY": "2"})
	perch := uploadModel(t, ta, admin, farmModel(t, "perch", "2"))
	ta.Do("POST", ta.API("/models/"+perch+"/load"), nil, admin.Auth()).Want(http.StatusOK)

	files := heavyPhotos(t, 160)
	b := submitPhotos(t, ta, alice, files, nil)
	if b.Model == nil || b.Model.Name != "aquaml-fish4knowledge" || b.Model.ID == "" {
		t.Fatalf("the batch does not name the default model it is pinned to: %+v", b.Model)
	}
	waitFor(t, 45*time.Second, "the worker to be mid-batch", func() bool {
		c := itemCounts(t, ta, b.ID)
		if c["queued"]+c["running"] == 0 {
			t.Fatalf("the batch ended before the default could change: %v", c)
		}
		return c["done"] >= 8
	})
	ta.Do("POST", ta.API("/models/"+perch+"/activate"), nil, admin.Auth()).Want(http.StatusOK)
	first.kill()
	startWorker(t, ta.Config(), map[string]string{"WORKER_CONCURRENCY": "2"})

	end := waitEnded(t, ta, alice, b.ID, 90*time.Second)
	if end.Status != "completed" || end.Done != len(files) {
		t.Fatalf("after the activation and the kill: %+v", end)
	}
	if end.Model == nil || end.Model.ID != b.Model.ID {
		t.Errorf("the pin changed: %+v then %+v", b.Model, end.Model)
	}
	for _, it := range allResults(t, ta, alice, b.ID) {
		if slices.Contains(perchLabels, it.Label) || it.Label == "" {
			t.Errorf("photo %d was classified %q: not by the pinned model", it.Index, it.Label)
		}
	}

	next := submitPhotos(t, ta, alice, photos(t, 3, 32), nil)
	if next.Model == nil || next.Model.ID != perch || next.Model.Version != "2" {
		t.Fatalf("a batch after the activation is pinned to %+v, want perch:2", next.Model)
	}
	for _, it := range allResults(t, ta, alice, waitEnded(t, ta, alice, next.ID, 60*time.Second).ID) {
		if !slices.Contains(perchLabels, it.Label) {
			t.Errorf("photo %d of the new batch was classified %q, not by perch", it.Index, it.Label)
		}
	}
}

// TestBatchNamesItsModel chooses the model at submit, by name:version,
// and keeps it out of reach of an unload or delete while the batch is
// unfinished (no worker runs here, so it stays queued).
func TestBatchNamesItsModel(t *testing.T) {
	ta := apptest.New(t, nil)
	admin, alice := ta.Admin(), ta.NewUser("alice")
	perch := uploadModel(t, ta, admin, farmModel(t, "perch", "2"))

	refused := func(fields map[string]string, status int, code string) {
		t.Helper()
		body, ct := form(t, photos(t, 1, 32), fields)
		res := submit(t, ta, alice, body, ct)
		if res.Status != status || res.Error().Code != code {
			t.Errorf("submit with %v: %d %s, want %d %s", fields, res.Status, res.Body, status, code)
		}
	}
	refused(map[string]string{"model": "nope"}, http.StatusNotFound, "model_not_found")
	refused(map[string]string{"model": "perch:2"}, http.StatusConflict, "model_not_ready")
	refused(map[string]string{"model": strings.Repeat("m", 201)}, http.StatusUnprocessableEntity, "validation_error")

	ta.Do("POST", ta.API("/models/"+perch+"/load"), nil, admin.Auth()).Want(http.StatusOK)
	b := submitPhotos(t, ta, alice, photos(t, 2, 32), map[string]string{"model": "perch:2"})
	if b.Model == nil || b.Model.ID != perch || b.Model.Name != "perch" || b.Model.Version != "2" {
		t.Fatalf("batch model %+v, want perch:2", b.Model)
	}
	if got := getBatch(t, ta, alice, b.ID); got.Model == nil || got.Model.ID != perch {
		t.Errorf("GET names %+v", got.Model)
	}
	for _, req := range []struct{ method, path string }{
		{"POST", "/models/" + perch + "/unload"},
		{"DELETE", "/models/" + perch},
	} {
		res := ta.Do(req.method, ta.API(req.path), nil, admin.Auth())
		if res.Status != http.StatusConflict || res.Error().Code != "model_in_use" {
			t.Errorf("%s %s under a queued batch: %d %s", req.method, req.path, res.Status, res.Body)
		}
	}
	ta.Do("POST", ta.API("/batches/"+b.ID+"/cancel"), nil, alice.Auth()).Want(http.StatusOK)
	ta.Do("POST", ta.API("/models/"+perch+"/unload"), nil, admin.Auth()).Want(http.StatusOK)
}
