package training_test

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/config"
)

// TestCancelStopsARunningJob cancels a job mid-training: it stays
// cancelled, its worker stops and removes its data and checkpoint, and no
// model is registered.
func TestCancelStopsARunningJob(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, true, nil)
	admin := ta.Admin()
	ds.add(t, "v-long", admin.UserID, 3, 24)
	long := quickJob("v-long", 200)
	long["recipe"] = map[string]any{"patience": 0} // early stopping would end it within a few epochs
	job := submit(t, ta, admin, long)
	var running jobView
	waitFor(t, time.Minute, "the first epoch", func() bool {
		running = getJob(t, ta, admin, job.ID)
		return running.Progress.Epoch >= 1
	})
	if p := running.Progress; running.Status != "running" || p.Loss <= 0 || p.ImagesPerSec <= 0 || p.ETASeconds <= 0 || p.ValAccuracy <= 0 {
		t.Errorf("progress part way through: %+v; want running with a loss, a throughput, a validation score and time left", running)
	}
	dir := filepath.Join(ta.Config().Training.Dir, job.ID)
	if _, err := os.Stat(filepath.Join(dir, "checkpoint")); err != nil {
		t.Fatalf("no checkpoint after an epoch: %v", err)
	}
	// The curves so far are plotted, and not to be kept: more epochs come.
	if _, _, res := getPNG(t, ta, admin, "/training-jobs/"+job.ID+"/curves.png"); !strings.Contains(res.Header.Get("Cache-Control"), "no-cache") {
		t.Errorf("a running job's curves go out with Cache-Control %q, want no-cache", res.Header.Get("Cache-Control"))
	}

	var cancelled jobView
	ta.Do("POST", ta.API("/training-jobs/"+job.ID+"/cancel"), nil, admin.Auth()).Want(http.StatusOK).JSON(&cancelled)
	if cancelled.Status != "cancelled" {
		t.Fatalf("cancel answered %+v", cancelled)
	}
	waitFor(t, 30*time.Second, "the worker to stop and clean up", func() bool {
		_, err := os.Stat(dir)
		return errors.Is(err, fs.ErrNotExist)
	})
	j := getJob(t, ta, admin, job.ID)
	if j.Status != "cancelled" || j.ModelID != "" || j.Progress.Epoch >= 200 {
		t.Errorf("after the worker stopped: %+v", j)
	}
	if e := ta.Do("POST", ta.API("/training-jobs/"+job.ID+"/cancel"), nil, admin.Auth()).Want(http.StatusConflict).Error(); e.Code != "training_finished" {
		t.Errorf("second cancel: %s", e.Code)
	}
	var models struct {
		Items []struct {
			Source string `json:"source"`
		} `json:"items"`
	}
	ta.Do("GET", ta.API("/models"), nil, admin.Auth()).Want(200).JSON(&models)
	for _, m := range models.Items {
		if m.Source == "upload" {
			t.Errorf("a cancelled job registered a model: %+v", models.Items)
		}
	}
}

// TestCancelledJobThatEndsRegistersNothing: a job cancelled a few epochs
// before its end stops there, even with a long lease (the worker used to
// learn of a cancel only when it renewed, a third of the lease later, and
// by then a short job had registered its model and left its folder).
func TestCancelledJobThatEndsRegistersNothing(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, true, func(c *config.Config) { c.Training.Lease = time.Minute })
	admin := ta.Admin()
	ds.add(t, "v-short", admin.UserID, 3, 24)
	short := quickJob("v-short", 150) // about 10 s here, well inside the lease
	short["recipe"] = map[string]any{"patience": 0}
	job := submit(t, ta, admin, short)
	waitFor(t, time.Minute, "the first epoch", func() bool { return getJob(t, ta, admin, job.ID).Progress.Epoch >= 1 })
	ta.Do("POST", ta.API("/training-jobs/"+job.ID+"/cancel"), nil, admin.Auth()).Want(http.StatusOK)
	dir := filepath.Join(ta.Config().Training.Dir, job.ID)
	waitFor(t, 15*time.Second, "the worker to stop and clean up", func() bool {
		_, err := os.Stat(dir)
		return errors.Is(err, fs.ErrNotExist)
	})
	if j := getJob(t, ta, admin, job.ID); j.Status != "cancelled" || j.ModelID != "" {
		t.Errorf("after the worker stopped: %+v", j)
	}
	var models struct {
		Items []struct {
			Source string `json:"source"`
		} `json:"items"`
	}
	ta.Do("GET", ta.API("/models"), nil, admin.Auth()).Want(200).JSON(&models)
	for _, m := range models.Items {
		if m.Source == "upload" {
			t.Errorf("a cancelled job registered a model: %+v", models.Items)
		}
	}
}

// TestFailedJobSaysWhy trains on a version whose photos are not images.
func TestFailedJobSaysWhy(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, true, nil)
	admin := ta.Admin()
	ds.addBroken("v-broken", admin.UserID)
	job := submit(t, ta, admin, quickJob("v-broken", 1))
	j := waitStatus(t, ta, admin, job.ID, time.Minute, "failed", "completed")
	if j.Status != "failed" || j.ErrorCode == "" || !strings.Contains(j.LastError, "image") {
		t.Errorf("job on non-images ended %+v; want failed with a reason naming the images", j)
	}
	if _, err := os.Stat(filepath.Join(ta.Config().Training.Dir, job.ID)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the failed job's folder is left behind: %v", err)
	}
}

// TestFineTuneFromATrainedModel trains a model, then fine-tunes it on
// another version through the API: the base's architecture is kept.
func TestFineTuneFromATrainedModel(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, true, nil)
	admin := ta.Admin()
	ds.add(t, "v-three", admin.UserID, 3, 12)
	ds.add(t, "v-two", admin.UserID, 2, 12)
	first := waitStatus(t, ta, admin, submit(t, ta, admin, quickJob("v-three", 1)).ID, time.Minute, "completed", "failed")
	if first.Status != "completed" {
		t.Fatalf("base job %+v", first)
	}
	body := map[string]any{"dataset_version": "v-two", "base": first.ModelID, "input": "16x16", "epochs": 1}
	tuned := waitStatus(t, ta, admin, submit(t, ta, admin, body).ID, time.Minute, "completed", "failed")
	if tuned.Status != "completed" || tuned.ModelID == first.ModelID {
		t.Fatalf("fine-tuning job %+v", tuned)
	}
	var rep struct {
		Card string `json:"model_card"`
	}
	ta.Do("GET", ta.API("/training-jobs/"+tuned.ID+"/report"), nil, admin.Auth()).Want(200).JSON(&rep)
	for _, want := range []string{"Base: model `" + first.ModelID + "`", "smallcnn-shallow"} {
		if !strings.Contains(rep.Card, want) {
			t.Errorf("card lacks %q:\n%s", want, rep.Card)
		}
	}
}

// TestOneJobAtATimePerWorker submits two jobs to one worker whose queue
// concurrency (WORKER_CONCURRENCY=2) would run two tasks at once: the
// training queue still takes them one after the other.
func TestOneJobAtATimePerWorker(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, true, func(c *config.Config) { c.Worker.Concurrency = 2 })
	admin := ta.Admin()
	ds.add(t, "v-a", admin.UserID, 3, 12)
	a := submit(t, ta, admin, quickJob("v-a", 4))
	b := submit(t, ta, admin, quickJob("v-a", 4))
	ja := waitStatus(t, ta, admin, a.ID, 2*time.Minute, "completed", "failed")
	jb := waitStatus(t, ta, admin, b.ID, 2*time.Minute, "completed", "failed")
	if ja.Status != "completed" || jb.Status != "completed" {
		t.Fatalf("jobs ended %s and %s", ja.Status, jb.Status)
	}
	first, second := ja, jb
	if second.StartedAt.Before(*first.StartedAt) {
		first, second = second, first
	}
	if second.StartedAt.Before(*first.FinishedAt) {
		t.Errorf("the jobs overlapped: one ran %v to %v, the other started at %v", first.StartedAt, first.FinishedAt, second.StartedAt)
	}
}
