package batch_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

// photos makes n distinct JPEG photos.
func photos(t testing.TB, n, size int) []file {
	t.Helper()
	out := make([]file, n)
	for i := range out {
		out[i] = file{name: fmt.Sprintf("cam-%04d.jpg", i), data: apptest.Photo(t, i+1, size, size, "jpeg")}
	}
	return out
}

type file struct {
	name string
	data []byte
}

// form encodes files (in field "files") and fields as multipart/form-data.
func form(t testing.TB, files []file, fields map[string]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename=%q`, f.name))
		h.Set("Content-Type", "application/octet-stream")
		fw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(f.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// zipped packs entries into a zip archive (stored or deflated).
func zipped(t testing.TB, entries []file, deflate bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	method := zip.Store
	if deflate {
		method = zip.Deflate
	}
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// batchJSON is a batch as the API shows it.
type batchJSON struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Status   string         `json:"status"`
	TopK     int            `json:"top_k"`
	Total    int            `json:"total"`
	Done     int            `json:"done"`
	Failed   int            `json:"failed"`
	Skipped  int            `json:"skipped"`
	Pending  int            `json:"pending"`
	Progress float64        `json:"progress"`
	Species  map[string]int `json:"species"`
	Unknown  int            `json:"unknown"`
	Model    *struct {
		ID, Name, Version string
	} `json:"model"`
	Webhook *struct {
		State     string `json:"state"`
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error"`
	} `json:"webhook"`
	CreatedAt  time.Time         `json:"created_at"`
	StartedAt  *time.Time        `json:"started_at"`
	FinishedAt *time.Time        `json:"finished_at"`
	Links      map[string]string `json:"links"`
	Notice     string            `json:"notice"`
}

type itemJSON struct {
	Index    int    `json:"index"`
	Filename string `json:"filename"`
	Group    string `json:"group"`
	Status   string `json:"status"`
	Image    struct {
		SHA256    string `json:"sha256"`
		SizeBytes int    `json:"size_bytes"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
		Format    string `json:"format"`
	} `json:"image"`
	Label       string   `json:"label"`
	Confidence  *float32 `json:"confidence"`
	Unknown     *bool    `json:"unknown"`
	Predictions []struct {
		Label      string  `json:"label"`
		Confidence float32 `json:"confidence"`
	} `json:"predictions"`
	Model *struct{ ID, Name, Version string } `json:"model"`
	Error *struct{ Code, Message string }     `json:"error"`
}

type resultsJSON struct {
	BatchID  string     `json:"batch_id"`
	Status   string     `json:"status"`
	Items    []itemJSON `json:"items"`
	Page     int        `json:"page"`
	PageSize int        `json:"page_size"`
	Total    int        `json:"total"`
}

// withWorker runs the queue worker inside the test App, reconciling
// often so recovery tests do not wait long.
func withWorker(extra func(*config.Config)) func(*config.Config) {
	return func(c *config.Config) {
		c.Worker.Enabled = true
		c.Batch.ReconcileInterval = 200 * time.Millisecond
		if extra != nil {
			extra(c)
		}
	}
}

func submit(t testing.TB, ta *apptest.TestApp, s apptest.Session, body []byte, contentType string) *apptest.Response {
	t.Helper()
	return ta.Do("POST", ta.API("/batches"), body, apptest.With(s.Auth(), "Content-Type", contentType))
}

// submitPhotos submits files and returns the accepted batch.
func submitPhotos(t testing.TB, ta *apptest.TestApp, s apptest.Session, files []file, fields map[string]string) batchJSON {
	t.Helper()
	body, ct := form(t, files, fields)
	var b batchJSON
	submit(t, ta, s, body, ct).Want(http.StatusAccepted).JSON(&b)
	return b
}

func getBatch(t testing.TB, ta *apptest.TestApp, s apptest.Session, id string) batchJSON {
	t.Helper()
	var b batchJSON
	ta.Do("GET", ta.API("/batches/"+id), nil, s.Auth()).Want(http.StatusOK).JSON(&b)
	return b
}

// waitEnded polls the batch until it ends.
func waitEnded(t testing.TB, ta *apptest.TestApp, s apptest.Session, id string, within time.Duration) batchJSON {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		b := getBatch(t, ta, s, id)
		if b.Status != "queued" && b.Status != "running" {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch %s still %s after %v: %+v", id, b.Status, within, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFor polls cond until it holds.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func allResults(t testing.TB, ta *apptest.TestApp, s apptest.Session, id string) []itemJSON {
	t.Helper()
	var out []itemJSON
	for page := 1; ; page++ {
		var r resultsJSON
		ta.Do("GET", ta.API(fmt.Sprintf("/batches/%s/results?page=%d&page_size=1000", id, page)), nil, s.Auth()).
			Want(http.StatusOK).JSON(&r)
		out = append(out, r.Items...)
		if len(out) >= r.Total || len(r.Items) == 0 {
			return out
		}
	}
}

// itemCounts reads the item rows straight from the database.
func itemCounts(t testing.TB, ta *apptest.TestApp, id string) map[string]int {
	t.Helper()
	var rows []struct {
		Status string
		N      int
	}
	if err := ta.DB.WithContext(context.Background()).Table("batch_items").Select("status, count(*) AS n").
		Where("batch_id = ?", id).Group("status").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

func decode[T any](t testing.TB, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	return v
}
