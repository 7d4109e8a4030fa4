package webapp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestAdminPagesAreForAdmins(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("nemo")
	c := newHTTPClient(t, ta)
	c.signIn("nemo", apptest.Password)
	for _, path := range []string{"/app/models", "/app/operations"} {
		res, body := c.do("GET", path, nil, nil)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "for administrators") {
			t.Errorf("GET %s as a user: %d", path, res.StatusCode)
		}
		wantSecurityHeaders(t, path, res.Header)
	}
	if _, body := c.do("GET", "/app/classify", nil, nil); strings.Contains(body, `href="/app/models"`) {
		t.Error("a user's navigation links to the admin pages")
	}
}

// signInTab signs a user in through the sign-in form.
func signInTab(tb *tab, name, password string) {
	tb.t.Helper()
	tb.open("/app/signin")
	// By keyboard only: type, Tab to the next field, Enter to submit.
	tb.do("sign in", chromedp.Focus(chromedp.CSS("#username")), chromedp.KeyEvent(name+kb.Tab+password+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#classify-form")))
}

// With no worker a batch stays queued, so the page can cancel it. The
// photos go up as one zip.
func TestCancelABatch(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("nemo")
	tb := newTab(t, ta)
	signInTab(tb, "nemo", apptest.Password)
	archive := zipOf(t, fishPhotos(t, ta, ta.NewUser("scout"), 2))
	tb.open("/app/batches")
	tb.do("upload a zip", chromedp.SetUploadFiles(chromedp.CSS("#batch-files"), []string{archive}),
		chromedp.Click(chromedp.CSS("#batch-submit")))
	tb.waitFor("the queued batch", `document.getElementById('batch-state').textContent === 'queued'
		&& !document.getElementById('batch-cancel').disabled`)
	if got := tb.text("#batch-counts"); !strings.HasSuffix(got, "of 2 (0.0%)") {
		t.Errorf("a zip of two photos: %q", got)
	}
	tb.do("cancel", chromedp.Click(chromedp.CSS("#batch-cancel")))
	tb.waitFor("the cancellation", `document.getElementById('batch-state').textContent === 'cancelled'`)
	if !eval[bool](tb, `document.getElementById('batch-cancel').disabled`) {
		t.Error("a cancelled batch can still be cancelled")
	}
	tb.waitFor("the list to show it cancelled", `document.querySelector('#batch-list tbody').textContent.includes('cancelled')`)
}

// The history pages with the API's keyset cursor, filters by species and
// shows only the caller's predictions.
func TestHistoryPages(t *testing.T) {
	ta := apptest.New(t, nil)
	s := ta.NewUser("nemo")
	labels := map[string]int{}
	const n = 23
	for i := range n {
		var r struct{ Predictions []struct{ Label string } }
		ta.Do("POST", ta.API("/classify"), apptest.Photo(t, 100+i, 48, 40, "png"),
			apptest.With(s.Auth(), "Content-Type", "image/png")).Want(http.StatusOK).JSON(&r)
		labels[r.Predictions[0].Label]++
	}
	// Another user's photos must not show in nemo's history.
	eel := ta.NewUser("eel")
	for i := range 3 {
		ta.Do("POST", ta.API("/classify"), apptest.Photo(t, 200+i, 48, 40, "png"),
			apptest.With(eel.Auth(), "Content-Type", "image/png")).Want(http.StatusOK)
	}
	tb := newTab(t, ta)
	signInTab(tb, "nemo", apptest.Password)
	tb.open("/app/history")
	rows := `document.querySelectorAll('#history-table tbody tr').length`
	tb.waitFor("the first page", rows+` === 20 && !document.getElementById('history-more').hidden`)
	tb.do("next page", chromedp.Click(chromedp.CSS("#history-more")))
	tb.waitFor("the rest", fmt.Sprintf(`%s === %d && document.getElementById('history-more').hidden`, rows, n))
	var label string
	for l := range labels {
		label = l
	}
	tb.do("filter", chromedp.SendKeys(chromedp.CSS("#f-label"), label), chromedp.Click(chromedp.CSS("#history-filter button")))
	tb.waitFor("the filtered list", fmt.Sprintf(`%s === %d`, rows, labels[label]))
	if got := eval[int](tb, fmt.Sprintf(`[...document.querySelectorAll('#history-table tbody tr')].filter(r => r.textContent.includes(%q)).length`, label)); got != labels[label] {
		t.Errorf("filtered by %s, %d rows name it of %d", label, got, labels[label])
	}

	// Dates: nothing from tomorrow on; everything between yesterday and tomorrow.
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format(time.DateOnly) }
	filter := func(label, from, to string) {
		eval[bool](tb, fmt.Sprintf(`(() => { const f = document.getElementById('history-filter').elements;
			f.label.value = %q; f.from.value = %q; f.to.value = %q; return true })()`, label, from, to))
		tb.do("filter", chromedp.Click(chromedp.CSS("#history-filter button")))
	}
	filter("", day(1), "")
	tb.waitFor("nothing", `document.getElementById('history-status').textContent === 'No predictions match.'`)
	filter("", day(-1), day(1))
	tb.waitFor("the first page again", rows+` === 20 && !document.getElementById('history-more').hidden`)

	// By model: the two answers of a second model among the default's.
	var perch struct{ ID string }
	body, ctype := apptest.Multipart(t, "file", "perch.aqm", perchModel(t), nil)
	ta.Do("POST", ta.API("/models"), body, apptest.With(ta.Admin().Auth(), "Content-Type", ctype)).Want(http.StatusCreated).JSON(&perch)
	ta.Do("POST", ta.API("/models/"+perch.ID+"/load"), nil, ta.Admin().Auth()).Want(http.StatusOK)
	for i := range 2 {
		ta.Do("POST", ta.API("/classify?model="+perch.ID), apptest.Photo(t, 300+i, 48, 40, "png"),
			apptest.With(s.Auth(), "Content-Type", "image/png")).Want(http.StatusOK)
	}
	tb.open("/app/history")
	tb.waitFor("perch among the models", `[...document.querySelectorAll('#f-model option')].some(o => o.textContent === 'perch:2')`)
	filter("", "", "")
	tb.waitFor("everything", rows+` === 20 && !document.getElementById('history-more').hidden`)
	tb.do("filter by model", chromedp.SetValue(chromedp.CSS("#f-model"), perch.ID), chromedp.Click(chromedp.CSS("#history-filter button")))
	tb.waitFor("perch's answers", rows+` === 2 && document.getElementById('history-more').hidden`)
	if got := eval[int](tb, `[...document.querySelectorAll('#history-table tbody tr')].filter(r => r.children[4].textContent === 'perch:2').length`); got != 2 {
		t.Errorf("filtered by the perch model, %d of 2 rows name it", got)
	}
}

// zipOf packs the photos into one zip archive and returns its path.
func zipOf(t *testing.T, photos []photo) string {
	t.Helper()
	paths := make([]string, len(photos))
	for i, p := range photos {
		paths[i] = p.path
	}
	return zipOfFolders(t, map[string][]string{"pond": paths})
}

// TestDropAPhoto drops a photo on the classify page, as from a file
// manager, instead of picking it.
func TestDropAPhoto(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("nemo")
	tb := newTab(t, ta)
	signInTab(tb, "nemo", apptest.Password)
	tb.waitFor("the model list", `document.querySelectorAll('#model option').length > 1`)
	// The browser draws the photo; a drop event carries it as a file.
	eval[bool](tb, `new Promise(resolve => {
		const c = document.createElement('canvas');
		c.width = 80; c.height = 60;
		const g = c.getContext('2d');
		g.fillStyle = '#2a7'; g.fillRect(0, 0, 80, 60); g.fillStyle = '#fc3'; g.fillRect(20, 20, 40, 15);
		c.toBlob(blob => {
			const dt = new DataTransfer();
			dt.items.add(new File([blob], 'dropped.png', {type: 'image/png'}));
			document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
			resolve(true);
		}, 'image/png');
	})`)
	tb.waitFor("the preview", `(() => { const i = document.getElementById('preview'); return !i.hidden && i.complete && i.naturalWidth === 80 })()`)
	if n := eval[int](tb, `document.getElementById('photo').files.length`); n != 1 {
		t.Fatalf("the dropped photo is not the form's file (%d files)", n)
	}
	tb.do("classify", chromedp.Click(chromedp.CSS("#classify-button")))
	tb.waitFor("the answer", `!document.getElementById('result').hidden && document.querySelectorAll('#predictions li').length === 3`)
	var got struct {
		Items []struct{ Image struct{ Width, Height int } }
	}
	ta.Do("GET", ta.API("/predictions"), nil, ta.Login("nemo", apptest.Password).Auth()).Want(http.StatusOK).JSON(&got)
	if len(got.Items) != 1 || got.Items[0].Image.Width != 80 || got.Items[0].Image.Height != 60 {
		t.Errorf("the history after dropping an 80x60 photo: %+v", got.Items)
	}
}
