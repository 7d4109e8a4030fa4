package webapp_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/chromedp/chromedp"
)

// labelCount is the count the dataset page shows for label.
func labelCount(tb *tab, label string) int {
	return eval[int](tb, fmt.Sprintf(`(() => { const r = [...document.querySelectorAll('#label-table tbody tr')]
		.find(r => r.children[0].textContent === %q); return r ? Number(r.children[3].textContent) : 0 })()`, label))
}

// workshop teaches the platform a farm's species from the pages: a
// dataset from a zip of folders and from photos of one label, its counts
// and warnings, a frozen version, a training job of 2 epochs with strong
// augmentation and a recipe of its own followed live to its report, and
// the corrected predictions added afterwards.
// It returns the job's id and the trained model's.
func workshop(t *testing.T, tb *tab, ta *apptest.TestApp, s apptest.Session, axe string) (jobID, modelID string) {
	folders := labelled(t, []string{"dascyllus_reticulatus", "chromis_chrysura"}, 5)
	loose := labelled(t, []string{"amphiprion_clarkii"}, 4)["amphiprion_clarkii"]

	tb.open("/app/datasets")
	tb.waitFor("the empty list", `document.getElementById('datasets-status').textContent === 'No datasets yet.'`)
	tb.checkAccessible("datasets", axe)
	tb.do("create a dataset", chromedp.SendKeys(chromedp.CSS("#ds-name"), "reef farm"), chromedp.Click(chromedp.CSS("#ds-create")),
		chromedp.WaitVisible(chromedp.CSS("#dataset-detail")))
	loc, _ := chromedp.Run(tb.ctx, chromedp.Location())
	datasetID := loc[strings.LastIndex(loc, "/")+1:]

	tb.do("upload a zip of folders", chromedp.SetUploadFiles(chromedp.CSS("#items-files"), []string{zipOfFolders(t, folders)}),
		chromedp.Click(chromedp.CSS("#items-submit")))
	tb.waitFor("the zip's photos", `document.getElementById('items-status').textContent.startsWith('Added')`)
	if got := tb.text("#items-status"); got != "Added 10 photos (0 already there)." {
		t.Errorf("after the zip: %q", got)
	}
	if v := eval[float64](tb, `document.getElementById('items-progress').value`); v != 100 {
		t.Errorf("the upload bar stopped at %v%%", v)
	}
	tb.do("upload photos of one label", chromedp.SetUploadFiles(chromedp.CSS("#items-files"), loose),
		chromedp.SendKeys(chromedp.CSS("#items-label"), "amphiprion_clarkii"), chromedp.Click(chromedp.CSS("#items-submit")))
	tb.waitFor("the labelled photos", `document.getElementById('items-status').textContent === 'Added 4 photos (0 already there).'`)
	for label, want := range map[string]int{"dascyllus_reticulatus": 5, "chromis_chrysura": 5, "amphiprion_clarkii": 4} {
		if got := labelCount(tb, label); got != want {
			t.Errorf("the page counts %d photos of %s, want %d", got, label, want)
		}
	}
	// Five photos are far below DATASET_MIN_PER_LABEL: each label is warned about.
	if n := eval[int](tb, `document.querySelectorAll('#dataset-warnings li[data-code=few_photos]').length`); n != 3 {
		t.Errorf("%d few-photos warnings for 3 thin labels: %s", n, tb.text("#dataset-warnings"))
	}
	tb.do("freeze", chromedp.Click(chromedp.CSS("#freeze")))
	tb.waitFor("the version", `document.querySelectorAll('#version-table tbody tr').length === 1 && document.querySelectorAll('#t-version option').length === 1`)
	if got := tb.text("#freeze-status"); !strings.HasSuffix(got, ": 14 photos in 3 labels.") {
		t.Errorf("after freezing: %q", got)
	}
	tb.do("open the recipe", chromedp.Click(chromedp.CSS("#t-recipe summary")))
	tb.checkAccessible("dataset", axe)
	tb.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	tb.screenshot("dataset")
	phone(tb, "dataset", "#versions-title")

	tb.do("start a training job", chromedp.SetValue(chromedp.CSS("#t-arch"), "smallcnn-shallow"),
		chromedp.SetValue(chromedp.CSS("#t-input"), "16x16"), chromedp.SetValue(chromedp.CSS("#t-epochs"), "2"),
		chromedp.SetValue(chromedp.CSS("#t-fraction"), "0.3"), chromedp.SetValue(chromedp.CSS("#t-augmentation"), "strong"),
		chromedp.SetValue(chromedp.CSS("#t-mixup"), "0.2"), chromedp.SetValue(chromedp.CSS("#t-average"), "1"),
		chromedp.Click(chromedp.CSS("#t-refit")), chromedp.Click(chromedp.CSS("#train-submit")),
		chromedp.WaitVisible(chromedp.CSS("#job-detail")))
	loc, _ = chromedp.Run(tb.ctx, chromedp.Location())
	jobID = loc[strings.LastIndex(loc, "/")+1:]
	if req := jobRequestOf(t, ta, s, jobID); req.Augmentation != "strong" || req.Recipe.Mixup != 0.2 || req.Recipe.AverageEpochs != 1 || req.Recipe.FlipTTA || req.Recipe.Refit {
		t.Errorf("the job was stored with %+v, want strong augmentation, mixup 0.2, weight averaging over 1 epoch, no flip TTA, no refit", req)
	}
	if got := recipeShown(tb); got["augmentation"] != "strong" || got["mixup"] != "0.2" || got["flip_tta"] != "off" || got["refit"] != "off" {
		t.Errorf("the job page shows the recipe %v", got)
	}
	tb.waitFor("the job to end", `document.getElementById('job-detail').getAttribute('aria-busy') === 'false'`)
	if s := tb.text("#job-state"); s != "completed" {
		t.Fatalf("the job ended %s: %s", s, tb.text("#job-error"))
	}
	if !tb.requested("/training-jobs/" + jobID + "/events") {
		t.Log("the job finished before the page subscribed to its events")
	}
	if s := tb.text("#job-summary"); !strings.HasPrefix(s, "epoch 2 of 2") || strings.Contains(s, "refit") {
		t.Errorf("the summary of a 2-epoch job without refit: %q", s)
	}
	if n := eval[int](tb, `document.querySelectorAll('#epoch-table tbody tr').length`); n != 2 {
		t.Errorf("%d epochs in the table of a 2-epoch job", n)
	}
	for _, series := range []string{"train_loss", "val_loss", "val_accuracy"} {
		if n := eval[int](tb, fmt.Sprintf(`(() => { const l = document.querySelector('polyline[data-series=%s]'); return l ? l.points.numberOfItems : 0 })()`, series)); n != 2 {
			t.Errorf("the %s curve has %d points, want 2", series, n)
		}
	}
	tb.waitFor("the report", `!document.getElementById('report').hidden && !!document.getElementById('model-state')`)
	if n := eval[int](tb, `document.querySelectorAll('#confusion tbody tr td.cell').length`); n != 9 {
		t.Errorf("a 3-label confusion matrix with %d cells", n)
	}
	if card := tb.text("#model-card"); !strings.Contains(card, "amphiprion_clarkii") ||
		!strings.Contains(card, "augmentation strong, frozen conv layers 0, mixup 0.2, weight average over 1 epochs, flip TTA false, patience 0 epochs, refit on every photo false") {
		t.Errorf("the model card does not name the labels or the recipe chosen:\n%s", card)
	}
	if got := tb.text("#model-state"); !strings.HasSuffix(got, "stored, not served.") {
		t.Errorf("the trained model: %q", got)
	}
	if eval[bool](tb, `!!document.getElementById('model-load')`) {
		t.Error("a user is offered to load the model, which only admins may")
	}
	tb.checkAccessible("training job", axe)
	tb.screenshot("training-job")
	phone(tb, "training-job", "#curves-title")
	phone(tb, "training-report", "#report")
	var job struct {
		ModelID string `json:"model_id"`
	}
	ta.Do("GET", ta.API("/training-jobs/"+jobID), nil, s.Auth()).Want(http.StatusOK).JSON(&job)
	var model struct{ Name string }
	ta.Do("GET", ta.API("/models/"+job.ModelID), nil, s.Auth()).Want(http.StatusOK).JSON(&model)

	tb.open("/app/training")
	tb.waitFor("the job list", `document.querySelectorAll('#job-list tbody tr').length === 1`)
	if row := tb.text("#job-list tbody tr"); !strings.Contains(row, "completed") || !strings.Contains(row, "2 of 2") {
		t.Errorf("the job list row %q", row)
	}
	tb.checkAccessible("training", axe)
	tb.screenshot("training")
	phone(tb, "training", "#job-list")

	// The correction sent earlier, with its kept photo, joins the dataset.
	tb.open("/app/datasets/" + datasetID)
	tb.waitFor("the dataset", `document.querySelectorAll('#label-table tbody tr').length >= 3`)
	tb.do("add corrected predictions", chromedp.Click(chromedp.CSS("#from-feedback")))
	tb.waitFor("the corrections", `document.getElementById('feedback-status').textContent.startsWith('Added')`)
	if got := tb.text("#feedback-status"); !strings.HasPrefix(got, "Added 1 corrected predictions") {
		t.Errorf("after adding the corrected predictions: %q", got)
	}
	tb.open("/app/datasets")
	tb.waitFor("the list", `document.querySelectorAll('#dataset-list tbody tr').length === 1`)
	if row := tb.text("#dataset-list tbody tr"); !strings.HasPrefix(row, "reef farm15") {
		t.Errorf("the dataset list row %q, want reef farm with 15 photos", row)
	}
	tb.screenshot("datasets")
	phone(tb, "datasets", "#dataset-list")
	return jobID, job.ModelID
}

// otherUsersWorkshop opens another user's dataset and training job by
// their ids: the pages say they do not exist and show nothing of them.
func otherUsersWorkshop(t *testing.T, tb *tab, ta *apptest.TestApp) {
	eel := ta.NewUser("eel-trainer")
	var ds struct{ ID string }
	ta.Do("POST", ta.API("/datasets"), map[string]any{"name": "eel secret pond"}, eel.Auth()).Want(http.StatusCreated).JSON(&ds)
	photos := labelled(t, []string{"dascyllus_reticulatus", "chromis_chrysura"}, 4)
	raw, err := os.ReadFile(zipOfFolders(t, photos))
	if err != nil {
		t.Fatal(err)
	}
	ta.Do("POST", ta.API("/datasets/"+ds.ID+"/items"), raw, apptest.With(eel.Auth(), "Content-Type", "application/zip")).Want(http.StatusCreated)
	var v struct{ ID string }
	ta.Do("POST", ta.API("/datasets/"+ds.ID+"/versions"), nil, eel.Auth()).Want(http.StatusCreated).JSON(&v)
	var job struct{ ID string }
	ta.Do("POST", ta.API("/training-jobs"), map[string]any{"dataset_version": v.ID, "epochs": 1, "input": "16x16", "architecture": "smallcnn-shallow"},
		eel.Auth()).Want(http.StatusAccepted).JSON(&job)

	tb.open("/app/datasets/" + ds.ID)
	tb.waitFor("the refusal", `document.getElementById('dataset-status').textContent === 'Dataset not found.'`)
	if text := eval[string](tb, `document.body.innerText`); strings.Contains(text, "eel secret pond") || !eval[bool](tb, `document.getElementById('dataset-detail').hidden`) {
		t.Error("another user's dataset shows on the page")
	}
	tb.open("/app/training/" + job.ID)
	tb.waitFor("the refusal", `document.getElementById('job-status').textContent === 'Training job not found.'`)
	if !eval[bool](tb, `document.getElementById('job-detail').hidden`) {
		t.Error("another user's training job opened")
	}
	if tb.requested("/training-jobs/" + job.ID + "/events") {
		t.Error("the page subscribed to another user's job")
	}
}

// adminServesTheTrainedModel loads the model a user trained from the
// job's page, then makes it the default and back on the models page.
func adminServesTheTrainedModel(t *testing.T, tb *tab, ta *apptest.TestApp, jobID, modelID string) {
	tb.open("/app/training/" + jobID)
	tb.waitFor("the admin's actions", `!!document.getElementById('model-load') && !!document.getElementById('model-activate')`)
	tb.do("load the trained model", chromedp.Click(chromedp.CSS("#model-load")))
	tb.waitFor("the model served", `(() => { const s = document.getElementById('model-state'); return !!s && s.textContent.endsWith(': loaded.') })()`)
	var got struct{ Ready, Active bool }
	ta.Do("GET", ta.API("/models/"+modelID), nil, ta.Admin().Auth()).Want(http.StatusOK).JSON(&got)
	if !got.Ready || got.Active {
		t.Errorf("after loading from the job's page the model is %+v, want ready and not the default", got)
	}
	tb.do("make it the default", chromedp.Click(chromedp.CSS("#model-activate")))
	tb.waitFor("the model as the default", `(() => { const s = document.getElementById('model-state'); return !!s && s.textContent.endsWith(': the default, loaded.') })()`)
	ta.Do("GET", ta.API("/models/"+modelID), nil, ta.Admin().Auth()).Want(http.StatusOK).JSON(&got)
	if !got.Active {
		t.Error("the job's page said default but the API has another default model")
	}
	if eval[bool](tb, `!!document.getElementById('model-activate') || !!document.getElementById('model-load')`) {
		t.Error("the default, loaded model is still offered to load or make the default")
	}
}

// The dataset page says in words what the API refused: photos with no
// label, and a user's training job where only admins train.
func TestDatasetPageSaysWhatIsWrong(t *testing.T) {
	ta := apptest.New(t, nil) // TRAINING_ALLOW_USERS is off
	datasetID, _ := frozenPond(t, ta, ta.NewUser("nemo"))

	tb := newTab(t, ta)
	signInTab(tb, "nemo", apptest.Password)
	tb.open("/app/datasets/" + datasetID)
	tb.waitFor("the version", `document.querySelectorAll('#t-version option').length === 1 && !document.getElementById('train-submit').disabled`)
	loose := labelled(t, []string{"amphiprion_clarkii"}, 1)["amphiprion_clarkii"]
	tb.do("upload a photo with no label", chromedp.SetUploadFiles(chromedp.CSS("#items-files"), loose), chromedp.Click(chromedp.CSS("#items-submit")))
	tb.waitFor("the refusal", `document.getElementById('items-status').className === 'error'`)
	if got := tb.text("#items-status"); !strings.Contains(got, "has no label") {
		t.Errorf("a photo with no label: %q", got)
	}
	if n := labelCount(tb, "amphiprion_clarkii"); n != 0 {
		t.Errorf("a refused photo is counted: %d", n)
	}
	tb.do("start training", chromedp.Click(chromedp.CSS("#train-submit")))
	tb.waitFor("the refusal", `document.getElementById('train-status').className === 'error'`)
	if got := tb.text("#train-status"); !strings.Contains(got, "only admins train models") {
		t.Errorf("a user's training job where only admins train: %q", got)
	}
	if loc, _ := chromedp.Run(tb.ctx, chromedp.Location()); !strings.HasSuffix(loc, "/app/datasets/"+datasetID) {
		t.Errorf("a refused job went on to %s", loc)
	}
	if errs := tb.consoleErrors(); len(errs) > 0 {
		t.Errorf("the page logged errors: %v", errs)
	}
}

// With no worker a job stays queued, so its page holds the event stream
// open; cancelling from the page ends the stream with the final state.
func TestCancelATrainingJob(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Training.AllowUsers = true })
	nemo := ta.NewUser("nemo")
	_, version := frozenPond(t, ta, nemo)
	var job struct{ ID string }
	ta.Do("POST", ta.API("/training-jobs"), map[string]any{"dataset_version": version, "epochs": 3}, nemo.Auth()).Want(http.StatusAccepted).JSON(&job)

	tb := newTab(t, ta)
	signInTab(tb, "nemo", apptest.Password)
	tb.open("/app/training/" + job.ID)
	tb.waitFor("the queued job", `document.getElementById('job-state').textContent === 'queued' && !document.getElementById('job-cancel').hidden`)
	if got := tb.text("#job-summary"); got != "epoch 0 of 3" {
		t.Errorf("a queued job of 3 epochs: %q", got)
	}
	if !tb.requested("/training-jobs/" + job.ID + "/events") {
		t.Error("the page of a queued job does not follow its events")
	}
	tb.do("cancel", chromedp.Click(chromedp.CSS("#job-cancel")))
	tb.waitFor("the end of the stream", `document.getElementById('job-detail').getAttribute('aria-busy') === 'false'`)
	if got := tb.text("#job-state"); got != "cancelled" {
		t.Errorf("after cancelling the page says %q", got)
	}
	if !eval[bool](tb, `document.getElementById('job-cancel').hidden && document.getElementById('report').hidden`) {
		t.Error("a cancelled job still offers to cancel, or shows a report")
	}
	var got struct{ Status string }
	ta.Do("GET", ta.API("/training-jobs/"+job.ID), nil, nemo.Auth()).Want(http.StatusOK).JSON(&got)
	if got.Status != "cancelled" {
		t.Errorf("the page cancelled the job but the API says %s", got.Status)
	}
}
