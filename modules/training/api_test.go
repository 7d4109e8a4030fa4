package training_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/modules/training"
	"github.com/aquaml/aquaml/platform/config"
)

// TestJobTrainsARegisteredModel follows a job by Server-Sent Events from
// submit to completion, then reads its model, report and card: the model
// is registered and not the default, the card names the data, the seed,
// every label's scores and how to reproduce it.
func TestJobTrainsARegisteredModel(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, true, nil)
	admin := ta.Admin()
	ds.add(t, "v-fish-1", admin.UserID, 3, 12)

	job := submit(t, ta, admin, quickJob("v-fish-1", 2))
	if job.Status != "queued" || job.Progress.Epochs != 2 {
		t.Fatalf("submitted job %+v, want queued for 2 epochs", job)
	}

	req, _ := http.NewRequest("GET", ta.URL+ta.API("/training-jobs/"+job.ID+"/events"), nil)
	req.Header.Set("Authorization", "Bearer "+admin.AccessToken)
	client := &http.Client{Timeout: 2 * time.Minute}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("events: status %d, content type %q", res.StatusCode, ct)
	}
	var event string
	var epochs []int
	var end jobView
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			event = v
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var v jobView
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			t.Fatalf("event %s carries %q: %v", event, data, err)
		}
		if event == "progress" && v.Progress.Epoch > 0 && (len(epochs) == 0 || epochs[len(epochs)-1] != v.Progress.Epoch) {
			epochs = append(epochs, v.Progress.Epoch)
		}
		if event == "end" {
			end = v
			break
		}
	}
	if end.Status != "completed" {
		t.Fatalf("stream ended with %+v, want completed; log:\n%s", end, ta.Logs())
	}
	if len(epochs) == 0 || epochs[len(epochs)-1] != 2 {
		t.Errorf("progress events reported epochs %v, want them up to 2", epochs)
	}

	j := getJob(t, ta, admin, job.ID)
	if j.ModelID == "" || j.Progress.Epoch != 2 || len(j.History) != 2 || j.Progress.ImagesPerSec <= 0 || j.Progress.ETASeconds != 0 {
		t.Errorf("completed job %+v: want a model, epoch 2 of 2, two epochs of curves, a throughput and no time left", j)
	}
	if !(j.Progress.ValAccuracy > 0.5) {
		t.Errorf("validation accuracy %.3f on three plainly coloured species (chance 0.33)", j.Progress.ValAccuracy)
	}

	var model struct {
		ID     string `json:"id"`
		Active bool   `json:"active"`
		Source string `json:"source"`
		Labels []struct {
			Name, ScientificName string
		} `json:"labels"`
	}
	ta.Do("GET", ta.API("/models/"+j.ModelID), nil, admin.Auth()).Want(http.StatusOK).JSON(&model)
	if model.Active || len(model.Labels) != 3 {
		t.Errorf("registered model %+v: want 3 labels and not the default", model)
	}

	var rep struct {
		ModelID string `json:"model_id"`
		Card    string `json:"model_card"`
		Report  struct {
			BestEpoch int        `json:"best_epoch"`
			Labels    []string   `json:"labels"`
			Confusion [][]int    `json:"confusion"`
			PerClass  []struct{} `json:"per_class"`
			History   []struct{} `json:"history"`
		} `json:"report"`
	}
	ta.Do("GET", ta.API("/training-jobs/"+job.ID+"/report"), nil, admin.Auth()).Want(http.StatusOK).JSON(&rep)
	r := rep.Report
	if p := end.Progress; p.RefitEpochs != r.BestEpoch || p.RefitEpoch != r.BestEpoch {
		t.Errorf("the stream's end says refit epoch %d of %d; the job refits for its best epoch, %d, and had ended", p.RefitEpoch, p.RefitEpochs, r.BestEpoch)
	}
	if rep.ModelID != j.ModelID || len(r.Labels) != 3 || len(r.Confusion) != 3 || len(r.PerClass) != 3 || len(r.History) != 2 || r.BestEpoch < 1 {
		t.Errorf("report %+v: want the model, 3 labels, a 3x3 confusion matrix, per-class scores and 2 epochs of curves", rep.Report)
	}
	for _, want := range []string{"v-fish-1", "Seed: 3", "Species bream", "bream", "carp", "trout", "aquaml train", `"seed":3`, "Precision",
		"Recipe: augmentation standard", "flip TTA false", "patience 0 epochs", "refit on every photo true", "--refit", "These are the held-out run's scores",
		// 36 photos, a fifth held out: 28 train in batches of 3, eight updates an epoch.
		"batches of 3,", "--batch 3 "} {
		if !strings.Contains(rep.Card, want) {
			t.Errorf("model card lacks %q:\n%s", want, rep.Card)
		}
	}
}

// TestJobWithoutRefitReportsNoRefitPass: with refit off the held-out
// run's model is the model, and the progress says no refit ran.
func TestJobWithoutRefitReportsNoRefitPass(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, true, nil)
	admin := ta.Admin()
	ds.add(t, "v-fish-1", admin.UserID, 3, 12)
	body := quickJob("v-fish-1", 2)
	body["recipe"] = map[string]any{"refit": false}
	job := submit(t, ta, admin, body)
	j := waitStatus(t, ta, admin, job.ID, 2*time.Minute, "completed", "failed")
	if j.Status != "completed" || j.Progress.RefitEpoch != 0 || j.Progress.RefitEpochs != 0 {
		t.Errorf("job without refit ended %s with refit epoch %d of %d; want completed, 0 of 0", j.Status, j.Progress.RefitEpoch, j.Progress.RefitEpochs)
	}
}

func TestJobRequestsRejected(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, false, nil)
	admin := ta.Admin()
	ds.add(t, "v-small", admin.UserID, 2, 2)
	ds.add(t, "v-ok", admin.UserID, 2, 6)
	for _, tc := range []struct {
		name       string
		body       string
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"not JSON", `{"dataset_version": `, 400, "invalid_json", ""},
		{"two values", `{"dataset_version": "v-ok"} {}`, 400, "invalid_json", ""},
		{"unknown field", `{"dataset_version": "v-ok", "epoch": 3}`, 400, "invalid_json", ""},
		{"no version", `{}`, 422, "validation_error", "dataset_version"},
		{"epochs as text", `{"dataset_version": "v-ok", "epochs": "many"}`, 422, "validation_error", "epochs"},
		{"too many epochs", `{"dataset_version": "v-ok", "epochs": 100000}`, 422, "validation_error", "epochs"},
		{"negative epochs", `{"dataset_version": "v-ok", "epochs": -1}`, 422, "validation_error", "epochs"},
		{"architecture", `{"dataset_version": "v-ok", "architecture": "resnet152"}`, 422, "validation_error", "architecture"},
		{"input", `{"dataset_version": "v-ok", "input": "big"}`, 422, "validation_error", "input"},
		{"tiny input", `{"dataset_version": "v-ok", "input": "4x4"}`, 422, "validation_error", "input"},
		{"too flat an input", `{"dataset_version": "v-ok", "input": "128x4"}`, 422, "validation_error", "input"},
		{"augmentation", `{"dataset_version": "v-ok", "augmentation": "extreme"}`, 422, "validation_error", "augmentation"},
		{"freeze from scratch", `{"dataset_version": "v-ok", "recipe": {"freeze": 2}}`, 422, "validation_error", "recipe.freeze"},
		{"negative mixup", `{"dataset_version": "v-ok", "recipe": {"mixup": -0.2}}`, 422, "validation_error", "recipe.mixup"},
		{"negative average", `{"dataset_version": "v-ok", "recipe": {"average_epochs": -1}}`, 422, "validation_error", "recipe.average_epochs"},
		{"negative patience", `{"dataset_version": "v-ok", "recipe": {"patience": -1}}`, 422, "validation_error", "recipe.patience"},
		{"flip as text", `{"dataset_version": "v-ok", "recipe": {"flip_tta": "yes"}}`, 422, "validation_error", "recipe.flip_tta"},
		{"unknown recipe field", `{"dataset_version": "v-ok", "recipe": {"cutmix": 1}}`, 400, "invalid_json", ""},
		{"bad regex", `{"dataset_version": "v-ok", "validation": {"group_by": "(cam"}}`, 422, "validation_error", "validation.group_by"},
		{"regex without group", `{"dataset_version": "v-ok", "validation": {"group_by": "cam"}}`, 422, "validation_error", "validation.group_by"},
		{"fraction", `{"dataset_version": "v-ok", "validation": {"fraction": 1.5}}`, 422, "validation_error", "validation.fraction"},
		{"unknown version", `{"dataset_version": "v-none"}`, 404, "dataset_version_not_found", ""},
		{"too small", `{"dataset_version": "v-small"}`, 422, "dataset_too_small", ""},
		{"unknown base", `{"dataset_version": "v-ok", "base": "no-such-model"}`, 404, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ta.Do("POST", ta.API("/training-jobs"), tc.body, admin.Auth())
			if res.Status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.Status, tc.wantStatus, res.Body)
			}
			e := res.Error()
			if tc.wantCode != "" && e.Code != tc.wantCode {
				t.Errorf("code %q, want %q", e.Code, tc.wantCode)
			}
			if tc.wantField != "" && e.Fields[tc.wantField] == "" {
				t.Errorf("no message for field %q: %+v", tc.wantField, e)
			}
		})
	}
	res := ta.Do("POST", ta.API("/training-jobs"), `{"dataset_version": "v-ok"}`, map[string]string{
		"Authorization": admin.Auth()["Authorization"], "Content-Type": "text/plain"})
	if res.Status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: status %d, want 415", res.Status)
	}
	// Nothing above made a job.
	var page struct {
		Total int `json:"total"`
	}
	ta.Do("GET", ta.API("/training-jobs"), nil, admin.Auth()).Want(200).JSON(&page)
	if page.Total != 0 {
		t.Errorf("%d jobs after refused requests", page.Total)
	}
	ta.Do("GET", ta.API("/training-jobs?status=done"), nil, admin.Auth()).Want(422)
	ta.Do("GET", ta.API("/training-jobs/nope"), nil, admin.Auth()).Want(404)
}

func TestDefaultsAreFilledIn(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, false, nil)
	admin := ta.Admin()
	ds.add(t, "v-ok", admin.UserID, 2, 6)
	var j struct {
		Request struct {
			Base, Architecture, Input, Augmentation string
			Epochs                                  int
			Seed                                    int64
			Recipe                                  struct {
				Freeze        *int     `json:"freeze"`
				Mixup         *float64 `json:"mixup"`
				AverageEpochs *float64 `json:"average_epochs"`
				FlipTTA       *bool    `json:"flip_tta"`
				Patience      *int     `json:"patience"`
				Refit         *bool    `json:"refit"`
			} `json:"recipe"`
			Validation struct {
				GroupBy  string  `json:"group_by"`
				Fraction float64 `json:"fraction"`
			}
		} `json:"request"`
	}
	ta.Do("POST", ta.API("/training-jobs"), `{"dataset_version": "v-ok"}`, admin.Auth()).Want(202).JSON(&j)
	r := j.Request
	if r.Base != "scratch" || r.Architecture != "smallcnn-wide" || r.Input != "64x64" || r.Epochs != 30 || r.Seed != 1 ||
		r.Augmentation != "standard" || r.Validation.Fraction != 0.2 {
		t.Errorf("defaults %+v", r)
	}
	// The small-data recipe is filled in; freezing is for fine-tuning only,
	// and flip TTA for SmallCNN, not its wide version.
	if rr := r.Recipe; rr.Freeze == nil || *rr.Freeze != 0 || rr.Mixup == nil || *rr.Mixup != training.DefaultMixup ||
		rr.AverageEpochs == nil || *rr.AverageEpochs != training.DefaultAverageEpochs || rr.FlipTTA == nil || *rr.FlipTTA ||
		rr.Patience == nil || *rr.Patience != training.DefaultPatience || rr.Refit == nil || *rr.Refit != training.DefaultRefit {
		t.Errorf("recipe defaults %+v", rr)
	}
}

// TestWhoMayTrain: admins by default; with TRAINING_ALLOW_USERS users
// train on their own dataset versions only, and never see another user's
// job.
func TestWhoMayTrain(t *testing.T) {
	for _, allow := range []bool{false, true} {
		ds := newDatasets()
		ta := start(t, ds, false, func(c *config.Config) { c.Training.AllowUsers = allow })
		admin, alice, bob := ta.Admin(), ta.NewUser("alice"), ta.NewUser("bob")
		ds.add(t, "v-alice", alice.UserID, 2, 6)
		ds.add(t, "v-bob", bob.UserID, 2, 6)
		res := ta.Do("POST", ta.API("/training-jobs"), quickJob("v-alice", 1), alice.Auth())
		if !allow {
			if res.Status != http.StatusForbidden || res.Error().Code != "training_forbidden" {
				t.Errorf("user training without TRAINING_ALLOW_USERS: %d %s", res.Status, res.Body)
			}
			submit(t, ta, admin, quickJob("v-alice", 1)) // admins train on any version
			continue
		}
		res.Want(http.StatusAccepted)
		var job jobView
		res.JSON(&job)
		if e := ta.Do("POST", ta.API("/training-jobs"), quickJob("v-bob", 1), alice.Auth()).Want(404).Error(); e.Code != "dataset_version_not_found" {
			t.Errorf("training on another user's version: %s, want dataset_version_not_found", e.Code)
		}
		for _, path := range []string{"", "/report", "/events"} {
			ta.Do("GET", ta.API("/training-jobs/"+job.ID+path), nil, bob.Auth()).Want(404)
		}
		ta.Do("POST", ta.API("/training-jobs/"+job.ID+"/cancel"), nil, bob.Auth()).Want(404)
		var page struct {
			Total int `json:"total"`
		}
		ta.Do("GET", ta.API("/training-jobs"), nil, bob.Auth()).Want(200).JSON(&page)
		if page.Total != 0 {
			t.Errorf("bob lists %d jobs, alice's included", page.Total)
		}
		ta.Do("GET", ta.API("/training-jobs?all=true"), nil, bob.Auth()).Want(403)
		ta.Do("GET", ta.API("/training-jobs?all=true"), nil, admin.Auth()).Want(200).JSON(&page)
		if page.Total != 1 {
			t.Errorf("admin lists %d jobs of every user, want 1", page.Total)
		}
		if j := getJob(t, ta, admin, job.ID); j.Owner != alice.UserID {
			t.Errorf("admin reads alice's job as owned by %q", j.Owner)
		}
		ta.Do("GET", ta.API("/training-jobs/"+job.ID+"/report"), nil, alice.Auth()).Want(http.StatusConflict)
	}
}
