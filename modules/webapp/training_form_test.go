package webapp_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/chromedp/chromedp"
)

// storedRequest is a job's request as the API stored it.
type storedRequest struct {
	Base         string
	Architecture string
	Epochs       int
	Augmentation string
	Recipe       struct {
		Freeze        int     `json:"freeze"`
		Mixup         float64 `json:"mixup"`
		AverageEpochs float64 `json:"average_epochs"`
		FlipTTA       bool    `json:"flip_tta"`
		Patience      int     `json:"patience"`
		Refit         bool    `json:"refit"`
	}
}

// jobRequestOf reads the request job id was stored with.
func jobRequestOf(t *testing.T, ta *apptest.TestApp, s apptest.Session, id string) storedRequest {
	t.Helper()
	var job struct{ Request *storedRequest }
	ta.Do("GET", ta.API("/training-jobs/"+id), nil, s.Auth()).Want(http.StatusOK).JSON(&job)
	if job.Request == nil {
		t.Fatalf("job %s has no request", id)
	}
	return *job.Request
}

// recipeShown is the job page's recipe, by key.
func recipeShown(tb *tab) map[string]string {
	tb.waitFor("the recipe", `document.querySelectorAll('#job-recipe dd').length > 0`)
	return eval[map[string]string](tb, `Object.fromEntries([...document.querySelectorAll('#job-recipe dd')].map(d => [d.dataset.key, d.textContent]))`)
}

// startFromForm submits the training form and returns the id of the job
// page it went on to.
func startFromForm(tb *tab, what string, steps ...chromedp.Action[chromedp.Void]) string {
	tb.t.Helper()
	steps = append(steps, chromedp.Click(chromedp.CSS("#train-submit")), chromedp.WaitVisible(chromedp.CSS("#job-detail")))
	tb.do(what, steps...)
	loc, _ := chromedp.Run(tb.ctx, chromedp.Location())
	return loc[strings.LastIndex(loc, "/")+1:]
}

// The training form sends the whole recipe: untouched, the job gets the
// API's defaults; with strong augmentation and a recipe chosen (frozen
// layers of a base model to fine-tune), the API stores those and the
// job's page shows them; a value the API refuses shows its field message
// and opens the recipe at the field. With no worker the jobs stay queued.
func TestTrainingFormSendsTheRecipe(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Training.AllowUsers = true })
	nemo := ta.NewUser("nemo")
	datasetID, _ := frozenPond(t, ta, nemo)
	tb := newTab(t, ta)
	axe := axeSource(t)
	signInTab(tb, "nemo", apptest.Password)
	ready := `document.querySelectorAll('#t-version option').length === 1 && document.querySelectorAll('#t-base option').length > 1`

	tb.open("/app/datasets/" + datasetID)
	tb.waitFor("the form", ready)
	id := startFromForm(tb, "start a job with the defaults", chromedp.SetValue(chromedp.CSS("#t-input"), "16x16"))
	req := jobRequestOf(t, ta, nemo, id)
	if req.Augmentation != "standard" || req.Recipe.Freeze != 0 || req.Recipe.Mixup != 0 || req.Recipe.AverageEpochs != 0 ||
		req.Recipe.FlipTTA || req.Recipe.Patience != 0 || !req.Recipe.Refit || req.Epochs != 30 || req.Architecture != "smallcnn-wide" {
		t.Errorf("an untouched form stored %+v, want the defaults", req)
	}
	if got := recipeShown(tb); got["augmentation"] != "standard" || got["flip_tta"] != "off" || got["refit"] != "on" || got["mixup"] != "off" ||
		got["patience"] != "off" {
		t.Errorf("the default recipe on the job page: %v", got)
	}

	tb.open("/app/datasets/" + datasetID)
	tb.waitFor("the form", ready)
	// Freezing needs a base model: from scratch the API answers 422. The
	// recipe is closed again before sending, as a user may leave it.
	tb.do("ask to freeze layers of a scratch run", chromedp.Click(chromedp.CSS("#t-recipe summary")),
		chromedp.SetValue(chromedp.CSS("#t-freeze"), "2"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('t-recipe').open = false`),
		chromedp.Click(chromedp.CSS("#train-submit")))
	tb.waitFor("the refusal", `document.getElementById('train-status').className === 'error'`)
	if got := tb.text("#train-status"); !strings.Contains(got, "recipe.freeze applies only when fine-tuning a base model") {
		t.Errorf("freezing a scratch run: %q", got)
	}
	if !eval[bool](tb, `document.getElementById('t-recipe').open && document.getElementById('t-freeze').getAttribute('aria-invalid') === 'true'`) {
		t.Error("the refused field is not shown open and marked invalid")
	}
	if loc, _ := chromedp.Run(tb.ctx, chromedp.Location()); !strings.HasSuffix(loc, "/app/datasets/"+datasetID) {
		t.Errorf("a refused job went on to %s", loc)
	}
	tb.checkAccessible("dataset with the recipe open and a refusal", axe)
	tb.do("scroll to the recipe", chromedp.Evaluate[chromedp.Void](`document.getElementById('t-augmentation').scrollIntoView()`))
	tb.screenshot("dataset-recipe")

	base := eval[string](tb, `document.querySelector('#t-base option:not([value=scratch])').value`)
	id = startFromForm(tb, "start a fine-tuning job with a chosen recipe",
		chromedp.SetValue(chromedp.CSS("#t-base"), base), chromedp.SetValue(chromedp.CSS("#t-epochs"), "3"),
		chromedp.SetValue(chromedp.CSS("#t-augmentation"), "strong"), chromedp.SetValue(chromedp.CSS("#t-freeze"), "2"),
		chromedp.SetValue(chromedp.CSS("#t-mixup"), "0.4"), chromedp.SetValue(chromedp.CSS("#t-average"), "1.5"),
		chromedp.SetValue(chromedp.CSS("#t-flip"), "on"), chromedp.Click(chromedp.CSS("#t-refit")), chromedp.SetValue(chromedp.CSS("#t-patience"), "5"))
	req = jobRequestOf(t, ta, nemo, id)
	r := req.Recipe
	if req.Base != base || req.Epochs != 3 || req.Augmentation != "strong" || r.Freeze != 2 || r.Mixup != 0.4 ||
		r.AverageEpochs != 1.5 || !r.FlipTTA || r.Patience != 5 || r.Refit {
		t.Errorf("the chosen recipe was stored as %+v", req)
	}
	want := map[string]string{"augmentation": "strong", "freeze": "the base's first 2", "mixup": "0.4",
		"average_epochs": "over about 1.5 epochs", "flip_tta": "on", "patience": "stops after 5 epochs without a better macro F1", "refit": "off"}
	got := recipeShown(tb)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("the job page shows %s %q, want %q", k, got[k], v)
		}
	}
	tb.checkAccessible("queued training job", axe)
	tb.screenshot("training-job-recipe")
	if errs := tb.consoleErrors(); len(errs) > 0 {
		t.Errorf("the pages logged errors: %v", errs)
	}
}

// frozenPond gives s a dataset "pond" of 8 generated photos in two labels,
// frozen once, and returns the ids of both.
func frozenPond(t *testing.T, ta *apptest.TestApp, s apptest.Session) (datasetID, versionID string) {
	t.Helper()
	var ds struct{ ID string }
	ta.Do("POST", ta.API("/datasets"), map[string]any{"name": "pond"}, s.Auth()).Want(http.StatusCreated).JSON(&ds)
	raw, err := os.ReadFile(zipOfFolders(t, labelled(t, []string{"dascyllus_reticulatus", "chromis_chrysura"}, 4)))
	if err != nil {
		t.Fatal(err)
	}
	ta.Do("POST", ta.API("/datasets/"+ds.ID+"/items"), raw, apptest.With(s.Auth(), "Content-Type", "application/zip")).Want(http.StatusCreated)
	var v struct{ ID string }
	ta.Do("POST", ta.API("/datasets/"+ds.ID+"/versions"), nil, s.Auth()).Want(http.StatusCreated).JSON(&v)
	return ds.ID, v.ID
}
