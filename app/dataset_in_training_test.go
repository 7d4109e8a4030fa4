package app_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// TestDatasetInTrainingIsKept: a dataset is not deleted from under a
// queued training job (it would fail for want of its photos); once the
// job is cancelled the dataset goes.
func TestDatasetInTrainingIsKept(t *testing.T) {
	ta := apptest.New(t, nil) // no worker: the job stays queued
	admin := ta.Admin()
	var ds struct{ ID string }
	ta.Do("POST", ta.API("/datasets"), map[string]any{"name": "pond"}, admin.Auth()).Want(http.StatusCreated).JSON(&ds)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for l, name := range []string{"carp", "trout"} {
		for n := range 4 {
			w, _ := zw.Create(fmt.Sprintf("%s/%d.png", name, n))
			w.Write(apptest.Photo(t, 10*l+n+1, 24, 24, "png"))
		}
	}
	zw.Close()
	ta.Do("POST", ta.API("/datasets/"+ds.ID+"/items"), buf.Bytes(), apptest.With(admin.Auth(), "Content-Type", "application/zip")).Want(http.StatusCreated)
	var v struct{ ID string }
	ta.Do("POST", ta.API("/datasets/"+ds.ID+"/versions"), nil, admin.Auth()).Want(http.StatusCreated).JSON(&v)
	var job struct{ ID, Status string }
	ta.Do("POST", ta.API("/training-jobs"), map[string]any{"dataset_version": v.ID, "input": "16x16", "epochs": 1}, admin.Auth()).Want(http.StatusAccepted).JSON(&job)
	if job.Status != "queued" {
		t.Fatalf("job %+v, want it queued", job)
	}
	if code := ta.Do("DELETE", ta.API("/datasets/"+ds.ID), nil, admin.Auth()).Want(http.StatusConflict).Error().Code; code != "dataset_in_training" {
		t.Errorf("deleting a dataset a queued job trains on: %s", code)
	}
	ta.Do("GET", ta.API("/datasets/"+ds.ID), nil, admin.Auth()).Want(http.StatusOK)
	ta.Do("POST", ta.API("/training-jobs/"+job.ID+"/cancel"), nil, admin.Auth()).Want(http.StatusOK)
	ta.Do("DELETE", ta.API("/datasets/"+ds.ID), nil, admin.Auth()).Want(http.StatusNoContent)
	ta.Do("GET", ta.API("/datasets/"+ds.ID), nil, admin.Auth()).Want(http.StatusNotFound)
}
