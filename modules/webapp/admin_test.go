package webapp_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// admin signs in as the admin, uploads a model and loads it on the
// models page and deactivates an account on the operations page.
func admin(t *testing.T, tb *tab, ta *apptest.TestApp, axe string) {
	file := filepath.Join(t.TempDir(), "perch.aqm")
	if err := os.WriteFile(file, perchModel(t), 0o644); err != nil {
		t.Fatal(err)
	}

	tb.open("/app/signin")
	tb.do("sign in as the admin", chromedp.SendKeys(chromedp.CSS("#username"), apptest.AdminEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.AdminPassword),
		chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#classify-form")))

	tb.open("/app/models")
	tb.do("upload a model", chromedp.SetUploadFiles(chromedp.CSS("#model-file"), []string{file}), chromedp.Click(chromedp.CSS("#model-upload-submit")))
	tb.waitFor("the stored model", `!!document.querySelector('button[aria-label="Load perch:2"]')`)
	if got := tb.text("#models-status"); got != "Uploaded perch:2; it is stored, not served." {
		t.Errorf("after the upload: %q", got)
	}
	if v := eval[float64](tb, `document.getElementById('model-upload-progress').value`); v != 100 {
		t.Errorf("the upload bar stopped at %v%%", v)
	}
	var m struct{ ID string }
	var list struct{ Items []struct{ ID, Name string } }
	ta.Do("GET", ta.API("/models"), nil, ta.Admin().Auth()).Want(http.StatusOK).JSON(&list)
	for _, it := range list.Items {
		if it.Name == "perch" {
			m.ID = it.ID
		}
	}
	if m.ID == "" {
		t.Fatal("the models page said uploaded but the API lists no perch model")
	}
	tb.checkAccessible("models", axe)
	tb.do("load the model", chromedp.Click(chromedp.CSS(`button[aria-label="Load perch:2"]`)))
	tb.waitFor("the model to be loaded", `[...document.querySelectorAll('#model-table tbody tr')]
		.some(r => r.textContent.includes('perch') && r.textContent.includes('loaded'))`)
	tb.screenshot("models")
	phone(tb, "models", "#model-table")
	var got struct{ Ready bool }
	ta.Do("GET", ta.API("/models/"+m.ID), nil, ta.Admin().Auth()).Want(http.StatusOK).JSON(&got)
	if !got.Ready {
		t.Error("the models page said loaded but the API does not serve the model")
	}

	unknownOnThePage(t, tb, m.ID)
	modelLifecycle(t, tb, ta, m.ID)

	tb.open("/app/operations")
	tb.waitFor("health, queues and users", `document.getElementById('health-status').textContent !== '…'
		&& document.querySelectorAll('#queue-table tbody tr').length > 0
		&& !!document.querySelector('button[aria-label="Deactivate eel"]')`)
	if s := tb.text("#health-status"); s != "healthy" {
		t.Errorf("operations shows health %q", s)
	}
	tb.checkAccessible("operations", axe)
	tb.screenshot("operations")
	tb.do("deactivate eel", chromedp.Click(chromedp.CSS(`button[aria-label="Deactivate eel"]`)))
	tb.waitFor("the confirmation", `document.getElementById('ops-status').textContent === 'eel deactivated.'`)
	var users struct {
		Items []struct {
			Username string
			IsActive bool `json:"is_active"`
		}
	}
	ta.Do("GET", ta.API("/users?page_size=100"), nil, ta.Admin().Auth()).Want(http.StatusOK).JSON(&users)
	for _, u := range users.Items {
		if u.Username == "eel" && u.IsActive {
			t.Error("eel is still active after the operations page deactivated the account")
		}
	}
}

// perchModel is a small servable model with random weights.
func perchModel(t *testing.T) []byte {
	t.Helper()
	labels := []string{"perch", "pike", "roach"}
	arch, err := nn.SmallCNN(32, 32, len(labels), false)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := arch.MarshalJSON()
	ls := make([]modelfile.Label, len(labels))
	for i, l := range labels {
		ls[i] = modelfile.Label{Name: l, ScientificName: "Piscis " + l, CommonName: l}
	}
	m := &modelfile.Model{
		Meta: modelfile.Metadata{Name: "perch", Version: "2", Architecture: raw,
			Input: modelfile.Input{Channels: 3, Height: 32, Width: 32},
			Mean:  [3]float32{.5, .5, .5}, Std: [3]float32{.25, .25, .25}, Labels: ls,
			// Random weights are never this sure: every answer is unknown.
			UnknownThreshold: 0.99},
		Tensors: arch.Init(7),
	}
	var buf bytes.Buffer
	if err := modelfile.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unknownOnThePage classifies with the perch model, which is never sure,
// and expects the page to say so in words.
func unknownOnThePage(t *testing.T, tb *tab, modelID string) {
	tb.open("/app/classify")
	tb.waitFor("perch in the model list", `[...document.querySelectorAll('#model option')].some(o => o.textContent === 'perch:2')`)
	path := filepath.Join(t.TempDir(), "murky.png")
	if err := os.WriteFile(path, apptest.Photo(t, 77, 64, 48, "png"), 0o644); err != nil {
		t.Fatal(err)
	}
	tb.do("choose perch and a photo", chromedp.SetValue(chromedp.CSS("#model"), modelID),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{path}))
	tb.waitFor("the preview", `(() => { const i = document.getElementById('preview'); return !i.hidden && i.complete && i.naturalWidth > 0 })()`)
	tb.do("classify", chromedp.Click(chromedp.CSS("#classify-button")))
	tb.waitFor("the answer", `!document.getElementById('result').hidden`)
	if !eval[bool](tb, `!document.getElementById('unknown').hidden`) || !strings.HasPrefix(tb.text("#unknown"), "Unknown") {
		t.Error("an unsure answer is not shown as unknown")
	}
	if got := tb.text("#result-model"); got != "Model perch:2" {
		t.Errorf("answered by %q, want perch:2", got)
	}
}

// modelLifecycle makes perch the default and back, unloads it and
// deletes it (accepting the page's "are you sure"), all from the page.
func modelLifecycle(t *testing.T, tb *tab, ta *apptest.TestApp, id string) {
	dialogs := chromedp.Events(tb.ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(tb.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	row := func(name, has string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('#model-table tbody tr')].some(r => r.children[0].textContent === %q && r.children[2].textContent.includes(%q))`, name, has)
	}
	click := func(label string) {
		tb.waitFor(label, fmt.Sprintf(`!!document.querySelector('button[aria-label=%q]')`, label))
		tb.do(label, chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[aria-label=%q]`, label))))
	}
	tb.open("/app/models")
	click("Make default perch:2")
	tb.waitFor("perch to be the default", row("perch", "default"))
	click("Make default aquaml-fish4knowledge:1")
	tb.waitFor("the bundled model to be the default again", row("aquaml-fish4knowledge", "default")+" && !("+row("perch", "default")+")")
	click("Unload perch:2")
	tb.waitFor("perch to be stored only", row("perch", "stored"))
	click("Delete perch:2")
	tb.waitFor("perch to be gone", `![...document.querySelectorAll('#model-table tbody tr')].some(r => r.children[0].textContent === 'perch')`)
	ta.Do("GET", ta.API("/models/"+id), nil, ta.Admin().Auth()).Want(http.StatusNotFound)
}
