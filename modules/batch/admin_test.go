package batch_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/hibiken/asynq"
)

type queueJSON struct {
	Queue          string `json:"queue"`
	Pending        int    `json:"pending"`
	Active         int    `json:"active"`
	Scheduled      int    `json:"scheduled"`
	Retry          int    `json:"retry"`
	Archived       int    `json:"archived"`
	ProcessedToday int    `json:"processed_today"`
	FailedToday    int    `json:"failed_today"`
}

func queueInfo(t *testing.T, ta *apptest.TestApp, admin apptest.Session, name string) queueJSON {
	t.Helper()
	var out struct{ Queues []queueJSON }
	ta.Do("GET", ta.API("/admin/queues"), nil, admin.Auth()).Want(http.StatusOK).JSON(&out)
	for _, q := range out.Queues {
		if q.Queue == name {
			return q
		}
	}
	t.Fatalf("queue %s not listed: %+v", name, out.Queues)
	return queueJSON{}
}

func TestQueueAdministration(t *testing.T) {
	ta := apptest.New(t, withWorker(nil))
	admin, alice := ta.Admin(), ta.NewUser("alice")
	ta.Do("GET", ta.API("/admin/queues"), nil, alice.Auth()).Want(http.StatusForbidden)
	ta.Do("POST", ta.API("/admin/queues/batch/archived/run"), nil, alice.Auth()).Want(http.StatusForbidden)
	if q := queueInfo(t, ta, admin, "webhooks"); q.Pending != 0 || q.ProcessedToday != 0 {
		t.Errorf("an unused queue is listed empty: %+v", q)
	}

	waitEnded(t, ta, alice, submitPhotos(t, ta, alice, photos(t, 3, 32), nil).ID, 30*time.Second)
	// The batch reads as ended as soon as its last item is stored, a
	// moment before asynq counts the chunk task as processed.
	waitFor(t, 30*time.Second, "the chunk tasks to count as processed", func() bool {
		return queueInfo(t, ta, admin, "batch").ProcessedToday >= 1
	})
	if q := queueInfo(t, ta, admin, "batch"); q.FailedToday != 0 {
		t.Errorf("after a batch: %+v", q)
	}

	// A task that cannot succeed is archived at once; running the
	// archived tasks sends it round again.
	if _, err := ta.Queue.Client.Enqueue(asynq.NewTask("batch:chunk", []byte("not json")), asynq.Queue("batch")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the bad task to be archived", func() bool { return queueInfo(t, ta, admin, "batch").Archived == 1 })
	var ran struct {
		Queue string
		Moved int
	}
	ta.Do("POST", ta.API("/admin/queues/batch/archived/run"), nil, admin.Auth()).Want(http.StatusOK).JSON(&ran)
	if ran.Queue != "batch" || ran.Moved != 1 {
		t.Errorf("run archived: %+v", ran)
	}
	waitFor(t, 30*time.Second, "the task to fail again", func() bool { return queueInfo(t, ta, admin, "batch").FailedToday >= 2 })
	res := ta.Do("POST", ta.API("/admin/queues/nope/archived/run"), nil, admin.Auth())
	if res.Status != http.StatusNotFound || res.Error().Code != "queue_not_found" {
		t.Errorf("unknown queue: %d %s", res.Status, res.Body)
	}
}

// TestMetricsAndHealth: the batch series the dashboards and alerts read
// are exported with their labels, and /health/detailed sees the worker.
func TestMetricsAndHealth(t *testing.T) {
	ta := apptest.New(t, withWorker(nil))
	alice := ta.NewUser("alice")
	files := append(photos(t, 3, 32), file{"x.txt", []byte("text")})
	waitEnded(t, ta, alice, submitPhotos(t, ta, alice, files, nil).ID, 30*time.Second)
	body := string(ta.Do("GET", "/metrics", nil, nil).Want(http.StatusOK).Body)
	for sample, want := range map[string]float64{
		`aquaml_batch_items_total{status="done"}`:               3,
		`aquaml_batch_items_total{status="failed"}`:             1,
		`aquaml_batch_items_total{status="skipped"}`:            0,
		`aquaml_batches_total{status="completed_with_errors"}`:  1,
		`aquaml_batch_duration_seconds_count`:                   1,
		`aquaml_queue_tasks{queue="batch",state="pending"}`:     0,
		`aquaml_queue_tasks{queue="webhooks",state="archived"}`: 0,
	} {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(body)
		if m == nil {
			t.Errorf("%s missing", sample)
			continue
		}
		if got, _ := strconv.ParseFloat(m[1], 64); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
	// Batch photos count in the prediction series like /classify ones, so
	// the unknown-rate panel and alert see them.
	predicted := 0.0
	for _, m := range regexp.MustCompile(`(?m)^aquaml_predictions_total\{[^}]*model_version="1"[^}]*\} (\S+)$`).FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseFloat(m[1], 64)
		predicted += n
	}
	if predicted != 3 {
		t.Errorf("aquaml_predictions_total counts %v batch photos, want 3", predicted)
	}
	if !strings.Contains(body, `aquaml_task_duration_seconds_count{outcome="ok",task="batch:chunk"}`) {
		t.Error("no task duration recorded for the chunk tasks")
	}

	var health struct {
		Checks map[string]struct {
			Status  string
			Details map[string]any
		}
	}
	ta.Do("GET", "/health/detailed", nil, nil).JSON(&health)
	q := health.Checks["queue"]
	if q.Status != "up" || q.Details["workers"] != float64(1) {
		t.Errorf("queue health %+v", q)
	}
}
