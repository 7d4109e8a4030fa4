package training_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/modules/training"
	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/config"
)

// datasets stands in for the datasets module: frozen versions of small
// synthetic photos held in memory.
type datasets struct {
	mu       sync.Mutex
	versions map[string]training.DatasetVersion
	photos   map[string][]byte
}

func newDatasets() *datasets {
	return &datasets{versions: map[string]training.DatasetVersion{}, photos: map[string][]byte{}}
}

func (d *datasets) Version(_ context.Context, id string) (training.DatasetVersion, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.versions[id]
	if !ok {
		return v, apperr.New(apperr.NotFound, "dataset_version_not_found", "no dataset version with this id")
	}
	return v, nil
}

func (d *datasets) Photo(_ context.Context, sum string) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.photos[sum]
	if !ok {
		return nil, apperr.New(apperr.NotFound, "photo_not_found", "no such photo")
	}
	return p, nil
}

// labelColours make the species easy to tell apart: two epochs learn them.
var labelColours = []color.NRGBA{{200, 40, 40, 255}, {40, 200, 40, 255}, {40, 40, 200, 255}}

var labelNames = []string{"bream", "carp", "trout"}

// add freezes a version of owner's with perLabel photos of each of
// labels species, in groups of three frames (one fish track each).
func (d *datasets) add(t testing.TB, id, owner string, labels, perLabel int) training.DatasetVersion {
	t.Helper()
	v := training.DatasetVersion{ID: id, OwnerID: owner}
	rng := rand.New(rand.NewPCG(uint64(len(id)), 3))
	d.mu.Lock()
	defer d.mu.Unlock()
	for l := range labels {
		v.Labels = append(v.Labels, training.DatasetLabel{Name: labelNames[l], ScientificName: "Species " + labelNames[l]})
		for n := range perLabel {
			img := image.NewNRGBA(image.Rect(0, 0, 20, 20))
			base := labelColours[l]
			for y := range 20 {
				for x := range 20 {
					j := func(c uint8) uint8 { return uint8(min(255, max(0, int(c)+rng.IntN(61)-30))) }
					img.Set(x, y, color.NRGBA{j(base.R), j(base.G), j(base.B), 255})
				}
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(buf.Bytes())
			h := hex.EncodeToString(sum[:])
			d.photos[h] = buf.Bytes()
			v.Items = append(v.Items, training.DatasetItem{SHA256: h, Label: labelNames[l], Group: fmt.Sprintf("cam%d_track%d", l, n/3)})
		}
	}
	d.versions[id] = v
	return v
}

// addBroken freezes a version whose "photos" are not images.
func (d *datasets) addBroken(id, owner string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := training.DatasetVersion{ID: id, OwnerID: owner, Labels: []training.DatasetLabel{{Name: "bream"}, {Name: "carp"}}}
	for i := range 10 {
		data := []byte(fmt.Sprintf("not a photo %d", i))
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		d.photos[h] = data
		v.Items = append(v.Items, training.DatasetItem{SHA256: h, Label: []string{"bream", "carp"}[i%2]})
	}
	d.versions[id] = v
}

// start runs an App with an in-process worker (unless worker is false)
// reading ds.
func start(t *testing.T, ds *datasets, worker bool, override func(*config.Config)) *apptest.TestApp {
	t.Helper()
	ta := apptest.New(t, func(c *config.Config) {
		c.Worker.Enabled = worker
		c.Training.Threads = 1
		c.Training.Lease = 2 * time.Second
		c.Training.ReconcileInterval = 200 * time.Millisecond
		if override != nil {
			override(c)
		}
	})
	ta.UseDatasets(ds)
	return ta
}

// jobView is what the tests read of a job.
type jobView struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Owner    string `json:"owner"`
	Progress struct {
		Epoch        int     `json:"epoch"`
		Epochs       int     `json:"epochs"`
		Loss         float64 `json:"loss"`
		ValAccuracy  float64 `json:"val_accuracy"`
		ValMacroF1   float64 `json:"val_macro_f1"`
		ImagesPerSec float64 `json:"images_per_sec"`
		ETASeconds   float64 `json:"eta_seconds"`
		RefitEpoch   int     `json:"refit_epoch"`
		RefitEpochs  int     `json:"refit_epochs"`
	} `json:"progress"`
	Attempts   int        `json:"attempts"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	ModelID    string     `json:"model_id"`
	ErrorCode  string     `json:"error_code"`
	LastError  string     `json:"last_error"`
	History    []struct {
		Epoch      int     `json:"epoch"`
		TrainLoss  float64 `json:"train_loss"`
		ValMacroF1 float64 `json:"val_macro_f1"`
	} `json:"history"`
}

// quickJob is a request that trains in a second or two.
func quickJob(version string, epochs int) map[string]any {
	return map[string]any{"dataset_version": version, "architecture": "smallcnn-shallow", "input": "16x16", "epochs": epochs, "seed": 3}
}

func submit(t *testing.T, ta *apptest.TestApp, s apptest.Session, body any) jobView {
	t.Helper()
	var j jobView
	ta.Do("POST", ta.API("/training-jobs"), body, s.Auth()).Want(http.StatusAccepted).JSON(&j)
	return j
}

func getJob(t *testing.T, ta *apptest.TestApp, s apptest.Session, id string) jobView {
	t.Helper()
	var j jobView
	ta.Do("GET", ta.API("/training-jobs/"+id), nil, s.Auth()).Want(http.StatusOK).JSON(&j)
	return j
}

// waitFor polls cond until it holds, failing after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, ta *apptest.TestApp, s apptest.Session, id string, limit time.Duration, want ...string) jobView {
	t.Helper()
	var j jobView
	waitFor(t, limit, "job "+id+" to reach "+fmt.Sprint(want), func() bool {
		j = getJob(t, ta, s, id)
		for _, w := range want {
			if j.Status == w {
				return true
			}
		}
		return false
	})
	return j
}
