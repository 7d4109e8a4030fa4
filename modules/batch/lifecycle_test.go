package batch_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

func TestBatchRunsToCompletion(t *testing.T) {
	ta := apptest.New(t, withWorker(nil))
	alice := ta.NewUser("alice")
	files := photos(t, 7, 48)
	accepted := submitPhotos(t, ta, alice, files, map[string]string{"name": "morning run", "top_k": "2"})
	if accepted.ID == "" || accepted.Total != 7 || accepted.Name != "morning run" || accepted.TopK != 2 {
		t.Fatalf("accepted %+v", accepted)
	}
	if accepted.Links["self"] != ta.API("/batches/"+accepted.ID) || accepted.Links["events"] == "" {
		t.Errorf("links %v", accepted.Links)
	}

	b := waitEnded(t, ta, alice, accepted.ID, 30*time.Second)
	if b.Status != "completed" || b.Done != 7 || b.Failed != 0 || b.Pending != 0 || b.Progress != 1 {
		t.Fatalf("ended %+v", b)
	}
	if b.StartedAt == nil || b.FinishedAt == nil || b.StartedAt.Before(b.CreatedAt) || b.FinishedAt.Before(*b.StartedAt) {
		t.Errorf("times created %v started %v finished %v", b.CreatedAt, b.StartedAt, b.FinishedAt)
	}
	perSpecies := 0
	for _, n := range b.Species {
		perSpecies += n
	}
	if perSpecies+b.Unknown != 7 {
		t.Errorf("species counts %v and %d unknown add up to %d, want 7", b.Species, b.Unknown, perSpecies+b.Unknown)
	}

	items := allResults(t, ta, alice, b.ID)
	if len(items) != 7 {
		t.Fatalf("%d results", len(items))
	}
	flagged := 0
	for _, it := range items {
		if it.Unknown != nil && *it.Unknown {
			flagged++
		}
	}
	if flagged != b.Unknown {
		t.Errorf("%d results flagged unknown, the batch counts %d", flagged, b.Unknown)
	}
	for i, it := range items {
		if it.Index != i || it.Filename != files[i].name || it.Status != "done" || it.Label == "" ||
			len(it.Predictions) != 2 || it.Model == nil || it.Model.Version == "" || it.Image.Width != 48 ||
			it.Image.Format != "jpeg" || len(it.Image.SHA256) != 64 || it.Error != nil {
			t.Errorf("item %d: %+v", i, it)
		}
		if it.Predictions[0].Label != it.Label || *it.Confidence != it.Predictions[0].Confidence {
			t.Errorf("item %d: top-1 %q/%v beside predictions %+v", i, it.Label, *it.Confidence, it.Predictions)
		}
	}
	ta.Do("GET", ta.API("/batches?status=completed"), nil, alice.Auth()).Want(http.StatusOK)
}

// TestStatusTransitions runs the API and the worker as separate Apps on
// one database and Redis (serve --worker=false beside aquaml worker): the
// batch waits queued until a worker exists, then only moves forward.
func TestStatusTransitions(t *testing.T) {
	redisURL := apptest.SharedRedisURL(t)
	api := apptest.New(t, func(c *config.Config) { c.Redis.URL = redisURL })
	alice := api.NewUser("alice")
	files := photos(t, 24, 40)
	accepted := submitPhotos(t, api, alice, files, nil)
	if accepted.Status != "queued" || accepted.Pending != 24 || accepted.StartedAt != nil {
		t.Fatalf("accepted %+v", accepted)
	}
	if b := getBatch(t, api, alice, accepted.ID); b.Status != "queued" || b.Done != 0 {
		t.Fatalf("with no worker: %+v", b)
	}

	apiCfg := api.Config()
	apptest.New(t, func(c *config.Config) {
		c.Database, c.Redis.URL, c.Batch.Dir = apiCfg.Database, redisURL, apiCfg.Batch.Dir
		c.Worker.Enabled, c.Batch.ChunkSize = true, 4
	})
	order := map[string]int{"queued": 0, "running": 1, "completed": 2}
	seen, last := []string{"queued"}, 0
	waitFor(t, 30*time.Second, "the batch to complete", func() bool {
		b := getBatch(t, api, alice, accepted.ID)
		rank, ok := order[b.Status]
		if !ok || rank < last {
			t.Fatalf("status went from %s to %s", seen[len(seen)-1], b.Status)
		}
		if rank > last {
			seen, last = append(seen, b.Status), rank
		}
		if b.Done+b.Failed > 0 && b.Status == "queued" {
			t.Fatalf("photos done while the batch is still queued: %+v", b)
		}
		return b.Status == "completed"
	})
	b := getBatch(t, api, alice, accepted.ID)
	if b.Done != 24 || b.StartedAt == nil || b.FinishedAt == nil {
		t.Errorf("completed %+v", b)
	}
	t.Logf("statuses seen: %v", seen)
}

func TestCancelAndDelete(t *testing.T) {
	ta := apptest.New(t, nil) // no worker: nothing runs until cancelled
	alice := ta.NewUser("alice")
	b := submitPhotos(t, ta, alice, photos(t, 5, 32), nil)
	ta.Do("DELETE", ta.API("/batches/"+b.ID), nil, alice.Auth()).Want(http.StatusConflict)

	var cancelled batchJSON
	ta.Do("POST", ta.API("/batches/"+b.ID+"/cancel"), nil, alice.Auth()).Want(http.StatusOK).JSON(&cancelled)
	if cancelled.Status != "cancelled" || cancelled.Skipped != 5 || cancelled.Pending != 0 || cancelled.FinishedAt == nil {
		t.Fatalf("cancelled %+v", cancelled)
	}
	for _, it := range allResults(t, ta, alice, b.ID) {
		if it.Status != "skipped" || it.Error == nil || it.Error.Code != "cancelled" {
			t.Errorf("item after cancel: %+v", it)
		}
	}
	// Cancelling again answers the same; nothing is counted twice.
	again := decode[batchJSON](t, ta.Do("POST", ta.API("/batches/"+b.ID+"/cancel"), nil, alice.Auth()).Want(http.StatusOK).Body)
	if again.Skipped != 5 || again.Status != "cancelled" {
		t.Errorf("second cancel %+v", again)
	}

	dir := filepath.Join(ta.Config().Batch.Dir, b.ID)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("photos not stored under %s: %v", dir, err)
	}
	ta.Do("DELETE", ta.API("/batches/"+b.ID), nil, alice.Auth()).Want(http.StatusNoContent)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("photos still stored after delete: %v", err)
	}
	ta.Do("GET", ta.API("/batches/"+b.ID), nil, alice.Auth()).Want(http.StatusNotFound)
	if n := itemCounts(t, ta, b.ID); len(n) != 0 {
		t.Errorf("items left after delete: %v", n)
	}
	ta.Do("DELETE", ta.API("/batches/"+b.ID), nil, alice.Auth()).Want(http.StatusNotFound)
}

func TestCancelAfterTheEndIsAConflict(t *testing.T) {
	ta := apptest.New(t, withWorker(nil))
	alice := ta.NewUser("alice")
	b := waitEnded(t, ta, alice, submitPhotos(t, ta, alice, photos(t, 2, 32), nil).ID, 30*time.Second)
	res := ta.Do("POST", ta.API("/batches/"+b.ID+"/cancel"), nil, alice.Auth())
	if res.Status != http.StatusConflict || res.Error().Code != "batch_ended" {
		t.Fatalf("cancel after completion: %d %s", res.Status, res.Body)
	}
	if after := getBatch(t, ta, alice, b.ID); after.Status != "completed" || after.Done != 2 {
		t.Errorf("a refused cancel changed the batch: %+v", after)
	}
}

// TestOtherUsersBatchIsNotFound: every route answers 404 for a batch that
// is not the caller's, exactly as for one that does not exist.
func TestOtherUsersBatchIsNotFound(t *testing.T) {
	ta := apptest.New(t, nil)
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	b := submitPhotos(t, ta, alice, photos(t, 2, 32), nil)
	for _, r := range []struct{ method, path string }{
		{"GET", "/batches/" + b.ID},
		{"GET", "/batches/" + b.ID + "/results"},
		{"GET", "/batches/" + b.ID + "/results?format=csv"},
		{"GET", "/batches/" + b.ID + "/events"},
		{"POST", "/batches/" + b.ID + "/cancel"},
		{"DELETE", "/batches/" + b.ID},
		{"GET", "/batches/0190f4d2-0000-7000-8000-000000000000"},
	} {
		res := ta.Do(r.method, ta.API(r.path), nil, bob.Auth())
		if res.Status != http.StatusNotFound || res.Error().Code != "batch_not_found" {
			t.Errorf("bob %s %s: %d %s", r.method, r.path, res.Status, res.Body)
		}
	}
	var list struct {
		Items []batchJSON
		Total int
	}
	ta.Do("GET", ta.API("/batches"), nil, bob.Auth()).Want(http.StatusOK).JSON(&list)
	if list.Total != 0 || len(list.Items) != 0 {
		t.Errorf("bob lists %+v", list)
	}
	if got := getBatch(t, ta, alice, b.ID); got.Status != "queued" {
		t.Errorf("bob's attempts changed alice's batch: %+v", got)
	}
}

func TestListAndResultPages(t *testing.T) {
	ta := apptest.New(t, withWorker(nil))
	alice := ta.NewUser("alice")
	files := append(photos(t, 4, 32), file{"=cmd|calc.txt", []byte("not a photo")})
	done := waitEnded(t, ta, alice, submitPhotos(t, ta, alice, files, map[string]string{"name": "first"}).ID, 30*time.Second)
	// The second batch is waited for, not cancelled: a worker on a fast CPU
	// finishes one photo before a cancel can reach it.
	waitEnded(t, ta, alice, submitPhotos(t, ta, alice, photos(t, 1, 32), map[string]string{"name": "second"}).ID, 30*time.Second)

	var list struct {
		Items    []batchJSON
		Page     int
		PageSize int `json:"page_size"`
		Total    int
	}
	ta.Do("GET", ta.API("/batches?page_size=1"), nil, alice.Auth()).Want(http.StatusOK).JSON(&list)
	if list.Total != 2 || len(list.Items) != 1 || list.Items[0].Name != "second" {
		t.Errorf("newest first, one per page: %+v", list)
	}
	ta.Do("GET", ta.API("/batches?status=completed_with_errors"), nil, alice.Auth()).Want(http.StatusOK).JSON(&list)
	if list.Total != 1 || list.Items[0].ID != done.ID || list.Items[0].Done != 4 || list.Items[0].Failed != 1 {
		t.Errorf("filtered by status: %+v", list)
	}
	for _, bad := range []string{"?status=finished", "?page=0", "?page_size=101"} {
		ta.Do("GET", ta.API("/batches"+bad), nil, alice.Auth()).Want(http.StatusUnprocessableEntity)
	}

	var page resultsJSON
	ta.Do("GET", ta.API("/batches/"+done.ID+"/results?page=2&page_size=2"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 5 || len(page.Items) != 2 || page.Items[0].Index != 2 || page.Items[1].Index != 3 {
		t.Errorf("page 2: %+v", page)
	}
	ta.Do("GET", ta.API("/batches/"+done.ID+"/results?status=failed"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 1 || page.Items[0].Filename != "=cmd|calc.txt" || page.Items[0].Error.Code != "unsupported_image" {
		t.Errorf("failed only: %+v", page)
	}
	ta.Do("GET", ta.API("/batches/"+done.ID+"/results?format=xml"), nil, alice.Auth()).Want(http.StatusUnprocessableEntity)
	// A batch's status is not an item's: the message lists the items' own.
	res := ta.Do("GET", ta.API("/batches/"+done.ID+"/results?status=completed"), nil, alice.Auth()).Want(http.StatusUnprocessableEntity)
	if got := res.Error().Fields["status"]; got != "must be one of queued, running, done, failed, skipped" {
		t.Errorf("results?status=completed: the status message reads %q", got)
	}
}

func TestResultsCSV(t *testing.T) {
	ta := apptest.New(t, withWorker(nil))
	alice := ta.NewUser("alice")
	files := append(photos(t, 3, 32), file{"=cmd|calc.txt", []byte("not a photo")})
	b := waitEnded(t, ta, alice, submitPhotos(t, ta, alice, files, map[string]string{"top_k": "2"}).ID, 30*time.Second)
	res := ta.Do("GET", ta.API("/batches/"+b.ID+"/results?format=csv"), nil, alice.Auth()).Want(http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	if !strings.Contains(res.Header.Get("Content-Disposition"), b.ID+".csv") {
		t.Errorf("disposition %q", res.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || strings.Join(rows[0][:3], ",") != "index,filename,status" {
		t.Fatalf("rows %v", rows)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	results := allResults(t, ta, alice, b.ID)
	for i, row := range rows[1:] {
		it := results[i]
		if row[col["index"]] != strconv.Itoa(i) || row[col["status"]] != it.Status || row[col["label"]] != it.Label ||
			row[col["sha256"]] != it.Image.SHA256 {
			t.Errorf("row %d %v beside %+v", i, row, it)
		}
		if it.Status == "done" && (len(strings.Split(row[col["top_k"]], "|")) != 2 || row[col["confidence"]] == "") {
			t.Errorf("row %d: top_k %q confidence %q", i, row[col["top_k"]], row[col["confidence"]])
		}
	}
	last := rows[4]
	if last[col["filename"]] != "'=cmd|calc.txt" || last[col["error_code"]] != "unsupported_image" || last[col["label"]] != "" {
		t.Errorf("failed row %v (a file name starting with = must not become a formula)", last)
	}
}
