package webapp_test

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

var updateScreens = flag.Bool("update-screens", false, "rewrite the README screenshots in testdata/screens")

const password = "marina-password-1"

// TestWebAppEndToEnd is a person's first day: register, sign in, classify
// a photo and correct the answer, read the history with its thumbnail,
// send a batch and watch it finish, download its CSV, fail to open
// someone else's batch, teach the platform a few species and train a
// model, fail to open someone else's dataset and job, sign out; then an
// admin uploads and loads models and deactivates an account.
func TestWebAppEndToEnd(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) {
		c.Worker.Enabled = true
		c.Classify.StoreImages = true // thumbnails, and corrections that can join a dataset
		c.Training.AllowUsers = true
		c.Training.Threads = 1
	})
	photos := fishPhotos(t, ta, ta.NewUser("scout"), 3)
	tb := newTab(t, ta)
	axe := axeSource(t)

	tb.open("/app/register")
	tb.checkAccessible("register", axe)
	tb.screenshot("register")
	tb.do("register",
		chromedp.SendKeys(chromedp.CSS("#email"), "marina@example.com"), chromedp.SendKeys(chromedp.CSS("#username"), "marina"),
		chromedp.SendKeys(chromedp.CSS("#password"), password), chromedp.Click(chromedp.CSS("#register-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")))
	if got := tb.text(".notice"); !strings.Contains(got, "account is ready") {
		t.Errorf("after registering: %q", got)
	}
	tb.checkAccessible("sign in", axe)
	tb.screenshot("signin")
	tb.do("sign in", chromedp.SendKeys(chromedp.CSS("#username"), "marina"), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#classify-form")))

	top := classify(t, tb, photos[0])
	tb.checkAccessible("classify", axe)
	tb.screenshot("classify")
	phone(tb, "classify", "#result")
	marina := ta.Login("marina", password)
	feedback(t, tb, ta, marina, top)

	tb.open("/app/history")
	tb.waitFor("the history", `document.querySelectorAll('#history-table tbody tr').length > 0`)
	if row := tb.text("#history-table tbody tr"); !strings.Contains(row, top) {
		t.Errorf("the history row %q does not show %s", row, top)
	}
	tb.waitFor("the thumbnail", `(() => { const i = document.querySelector('#history-table img.thumb'); return !!i && i.complete && i.naturalWidth > 0 })()`)
	tb.checkAccessible("history", axe)
	tb.screenshot("history")
	phone(tb, "history", "#history-table")
	tb.do("filter by a species nobody saw", chromedp.SendKeys(chromedp.CSS("#f-label"), "no_such_fish"), chromedp.Click(chromedp.CSS("#history-filter button")))
	tb.waitFor("the empty answer", `document.getElementById('history-status').textContent === 'No predictions match.'`)

	batch(t, tb, photos)
	tb.checkAccessible("batches", axe)
	tb.screenshot("batches")
	phone(tb, "batches", "#batch-detail")
	otherUsersBatch(t, tb, ta)
	jobID, modelID := workshop(t, tb, ta, marina, axe)
	otherUsersWorkshop(t, tb, ta)

	tb.do("sign out", chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#signin-form")))
	tb.open("/app/classify")
	if loc, _ := chromedp.Run(tb.ctx, chromedp.Location()); !strings.Contains(loc, "/app/signin") {
		t.Errorf("after signing out /app/classify shows %s, want the sign-in page", loc)
	}

	admin(t, tb, ta, axe)
	adminServesTheTrainedModel(t, tb, ta, jobID, modelID)

	if f := tb.foreign(); len(f) > 0 {
		t.Errorf("pages asked another origin for %v", f)
	}
	if errs := tb.consoleErrors(); len(errs) > 0 {
		t.Errorf("the pages logged errors: %v", errs)
	}
}

// classify sends p from the classify page and returns the top label shown.
func classify(t *testing.T, tb *tab, p photo) string {
	tb.waitFor("the model list", `document.querySelectorAll('#model option').length > 1`)
	tb.do("choose a photo", chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{p.path}))
	// The preview moves the button down: click once it has its size.
	tb.waitFor("the preview", `(() => { const i = document.getElementById('preview'); return !i.hidden && i.complete && i.naturalWidth > 0 })()`)
	tb.do("classify it", chromedp.Click(chromedp.CSS("#classify-button")))
	tb.waitFor("the answer", `document.querySelectorAll('#predictions li').length > 0 && !document.getElementById('result').hidden`)
	top := eval[string](tb, `document.querySelector('#predictions li').dataset.label`)
	shown := tb.text("#predictions li")
	unknown := eval[bool](tb, `!document.getElementById('unknown').hidden`)
	if p.species != "" {
		if top != p.species || unknown {
			t.Errorf("a photo of %s shows %s (unknown %v)", p.species, top, unknown)
		}
		if !strings.Contains(shown, "%") || !strings.Contains(strings.ToLower(shown), strings.ReplaceAll(p.species, "_", " ")) {
			t.Errorf("the answer %q lacks the scientific name or the confidence", shown)
		}
	}
	return top
}

// feedback says the answer is wrong and checks the API recorded it.
func feedback(t *testing.T, tb *tab, ta *apptest.TestApp, s apptest.Session, top string) {
	tb.waitFor("the species to correct to", `document.querySelectorAll('#correct option').length > 1`)
	pick := eval[string](tb, fmt.Sprintf(`[...document.querySelectorAll('#correct option')].map(o => o.value).find(v => v !== %q)`, top))
	tb.do("send a correction", chromedp.SetValue(chromedp.CSS("#correct"), pick), chromedp.Click(chromedp.CSS("#send-feedback")))
	tb.waitFor("the thanks", `document.getElementById('feedback-status').textContent.startsWith('Thank you')`)
	var page struct{ Items []struct{ ID string } }
	ta.Do("GET", ta.API("/predictions?page_size=5"), nil, s.Auth()).Want(http.StatusOK).JSON(&page)
	if len(page.Items) != 1 {
		t.Fatalf("one photo classified, %d in the history", len(page.Items))
	}
	var got struct {
		Feedback *struct {
			CorrectLabel string `json:"correct_label"`
		}
	}
	ta.Do("GET", ta.API("/predictions/"+page.Items[0].ID), nil, s.Auth()).Want(http.StatusOK).JSON(&got)
	if got.Feedback == nil || got.Feedback.CorrectLabel != pick {
		t.Errorf("after correcting to %s the prediction holds %+v", pick, got.Feedback)
	}
}

// batch uploads photos as a batch, waits for it to finish and downloads the CSV.
func batch(t *testing.T, tb *tab, photos []photo) {
	paths := make([]string, len(photos))
	for i, p := range photos {
		paths[i] = p.path
	}
	tb.open("/app/batches")
	tb.do("upload a batch", chromedp.SetUploadFiles(chromedp.CSS("#batch-files"), paths), chromedp.SendKeys(chromedp.CSS("#batch-name"), "pond 3"),
		chromedp.Click(chromedp.CSS("#batch-submit")))
	tb.waitFor("the batch to finish", `document.getElementById('batch-detail').getAttribute('aria-busy') === 'false'`)
	if s := tb.text("#batch-state"); s != "completed" {
		t.Errorf("the batch ended %s", s)
	}
	if n := eval[int](tb, `[...document.querySelectorAll('#batch-results tbody tr')].filter(r => r.children[2].textContent === 'done').length`); n != len(photos) {
		t.Errorf("%d of %d photos shown done", n, len(photos))
	}
	if v := eval[float64](tb, `document.getElementById('upload-progress').value`); v != 100 {
		t.Errorf("the upload bar stopped at %v%%", v)
	}
	if n := eval[int](tb, `document.querySelectorAll('#batch-species tbody tr').length`); n == 0 {
		t.Error("a completed batch shows no species counts")
	}
	for _, p := range photos {
		if p.species != "" && !strings.Contains(tb.text("#batch-species"), p.species) {
			t.Errorf("the species counts lack %s", p.species)
		}
	}
	if !tb.requested("/events") {
		t.Log("the batch finished before the page subscribed to its events")
	}
	dir := t.TempDir()
	_, err := chromedp.CallBrowser(tb.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
	if err != nil {
		t.Fatal(err)
	}
	tb.do("download the CSV", chromedp.Click(chromedp.CSS("#batch-csv")))
	csv := waitForFile(t, dir)
	if !bytes.HasPrefix(csv, []byte("index,filename,status,label")) || bytes.Count(csv, []byte("\n")) < len(photos)+1 {
		t.Errorf("the CSV download:\n%s", csv)
	}
}

// waitForFile returns the first finished download in dir.
func waitForFile(t *testing.T, dir string) []byte {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, f := range files {
			if !strings.HasSuffix(f, ".crdownload") {
				raw, err := os.ReadFile(f)
				if err == nil && len(raw) > 0 {
					return raw
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no download arrived")
	return nil
}

// otherUsersBatch opens another user's batch by its id: the page says it
// does not exist and shows nothing of it.
func otherUsersBatch(t *testing.T, tb *tab, ta *apptest.TestApp) {
	eel := ta.NewUser("eel")
	body, ctype := apptest.Multipart(t, "files", "secret.png", apptest.Photo(t, 3, 40, 40, "png"), map[string]string{"name": "eel private pond"})
	var b struct{ ID string }
	ta.Do("POST", ta.API("/batches"), body, apptest.With(eel.Auth(), "Content-Type", ctype)).Want(http.StatusAccepted).JSON(&b)
	tb.open("/app/batches?id=" + b.ID)
	tb.waitFor("the refusal", `document.getElementById('batch-status').textContent === 'Batch not found.'`)
	if html := eval[string](tb, `document.body.innerText`); strings.Contains(html, "eel private pond") {
		t.Error("another user's batch shows on the page")
	}
	if !eval[bool](tb, `document.getElementById('batch-detail').hidden`) {
		t.Error("another user's batch opened")
	}
}

// phone saves a screenshot at a phone's size scrolled to the element at
// sel, and with -update-screens rewrites the README's copy.
func phone(tb *tab, name, sel string) {
	tb.t.Helper()
	tb.do("phone size", chromedp.EmulateViewport(390, 844),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).scrollIntoView()`, sel)))
	png := tb.screenshot(name + "-phone")
	tb.do("desktop size", chromedp.EmulateViewport(1200, 900))
	if *updateScreens {
		if err := os.WriteFile(filepath.Join("testdata", "screens", name+".png"), png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
}
