package training_test

import (
	"bytes"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/inference/evaluation"
)

// getPNG fetches path as s and decodes it, returning its size.
func getPNG(t *testing.T, ta *apptest.TestApp, s apptest.Session, path string) (w, h int, res *apptest.Response) {
	t.Helper()
	res = ta.Do("GET", ta.API(path), nil, s.Auth()).Want(http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("%s: content type %q, want image/png", path, ct)
	}
	img, err := png.Decode(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatalf("%s does not decode as a PNG: %v", path, err)
	}
	b := img.Bounds()
	return b.Dx(), b.Dy(), res
}

// A completed job's curves and confusion matrix are PNGs its owner and
// admins read; anyone else is told the job does not exist.
func TestPlotsOfACompletedJob(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, true, func(c *config.Config) { c.Training.AllowUsers = true })
	alice, bob, admin := ta.NewUser("alice"), ta.NewUser("bob"), ta.Admin()
	ds.add(t, "v-alice", alice.UserID, 3, 12)
	job := submit(t, ta, alice, quickJob("v-alice", 2))
	if done := waitStatus(t, ta, alice, job.ID, 2*time.Minute, "completed", "failed"); done.Status != "completed" {
		t.Fatalf("job ended %+v", done)
	}
	var links struct {
		Links struct{ Curves, Confusion string }
	}
	ta.Do("GET", ta.API("/training-jobs/"+job.ID), nil, alice.Auth()).Want(200).JSON(&links)
	if !strings.HasSuffix(links.Links.Curves, "/training-jobs/"+job.ID+"/curves.png") ||
		!strings.HasSuffix(links.Links.Confusion, "/training-jobs/"+job.ID+"/confusion.png") {
		t.Errorf("links %+v do not lead to the plots", links.Links)
	}
	for _, s := range []apptest.Session{alice, admin} {
		w, h, res := getPNG(t, ta, s, "/training-jobs/"+job.ID+"/curves.png")
		if w != evaluation.CurvesWidth || h != evaluation.CurvesHeight {
			t.Errorf("curves are %dx%d, want %dx%d", w, h, evaluation.CurvesWidth, evaluation.CurvesHeight)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "max-age") {
			t.Errorf("a completed job's curves go out with Cache-Control %q, want private and kept", cc)
		}
		side := evaluation.ConfusionSize(3)
		if w, h, _ := getPNG(t, ta, s, "/training-jobs/"+job.ID+"/confusion.png"); w != side || h != side {
			t.Errorf("confusion matrix of 3 labels is %dx%d, want %dx%d", w, h, side, side)
		}
	}
	for _, plot := range []string{"curves.png", "confusion.png"} {
		if e := ta.Do("GET", ta.API("/training-jobs/"+job.ID+"/"+plot), nil, bob.Auth()).Want(http.StatusNotFound).Error(); e.Code == "" {
			t.Errorf("bob reading alice's %s: %+v", plot, e)
		}
		ta.Do("GET", ta.API("/training-jobs/no-such-job/"+plot), nil, admin.Auth()).Want(http.StatusNotFound)
		ta.Do("GET", ta.API("/training-jobs/"+job.ID+"/"+plot), nil, nil).Want(http.StatusUnauthorized)
	}
}

// A queued job has nothing to plot yet: 409 with a code that says so.
func TestPlotsOfAQueuedJob(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, false, nil)
	admin := ta.Admin()
	ds.add(t, "v-wait", admin.UserID, 2, 6)
	job := submit(t, ta, admin, quickJob("v-wait", 2))
	for plot, code := range map[string]string{"curves.png": "training_no_epochs", "confusion.png": "training_not_completed"} {
		if e := ta.Do("GET", ta.API("/training-jobs/"+job.ID+"/"+plot), nil, admin.Auth()).Want(http.StatusConflict).Error(); e.Code != code {
			t.Errorf("%s of a queued job: code %q, want %q", plot, e.Code, code)
		}
	}
}
