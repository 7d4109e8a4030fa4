package webapp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/chromedp/chromedp"
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

// signInTab signs s in through the sign-in form.
func signInTab(tb *tab, name, password string) {
	tb.t.Helper()
	tb.open("/app/signin")
	tb.do("sign in", chromedp.SendKeys(chromedp.CSS("#username"), name), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#classify-form")))
}

// With no worker a batch stays queued, so the page can cancel it.
func TestCancelABatch(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("nemo")
	tb := newTab(t, ta)
	signInTab(tb, "nemo", apptest.Password)
	photos := fishPhotos(t, ta, ta.NewUser("scout"), 2)
	tb.open("/app/batches")
	tb.do("upload", chromedp.SetUploadFiles(chromedp.CSS("#batch-files"), []string{photos[0].path, photos[1].path}),
		chromedp.Click(chromedp.CSS("#batch-submit")))
	tb.waitFor("the queued batch", `document.getElementById('batch-state').textContent === 'queued'
		&& !document.getElementById('batch-cancel').disabled`)
	tb.do("cancel", chromedp.Click(chromedp.CSS("#batch-cancel")))
	tb.waitFor("the cancellation", `document.getElementById('batch-state').textContent === 'cancelled'`)
	if !eval[bool](tb, `document.getElementById('batch-cancel').disabled`) {
		t.Error("a cancelled batch can still be cancelled")
	}
	tb.waitFor("the list to show it cancelled", `document.querySelector('#batch-list tbody').textContent.includes('cancelled')`)
}

// The history pages with the API's keyset cursor and filters by species.
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
}
