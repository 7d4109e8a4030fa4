package app_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

type detailedHealth struct {
	Status string `json:"status"`
	Checks map[string]struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"checks"`
}

func detailedOf(t *testing.T, ta *apptest.TestApp) detailedHealth {
	t.Helper()
	var d detailedHealth
	if err := json.Unmarshal(ta.Do("GET", "/health/detailed", nil, nil).Want(http.StatusOK).Body, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestQueueDegradedWithoutWorker: an API-only process (serve
// --worker=false) with no worker anywhere would accept batches that are
// never processed; /health/detailed says so until a worker shows up.
func TestQueueDegradedWithoutWorker(t *testing.T) {
	redisURL := apptest.SharedRedisURL(t)
	api := apptest.New(t, func(c *config.Config) { c.Redis.URL, c.Worker.Enabled = redisURL, false })
	d := detailedOf(t, api)
	if d.Status != "degraded" || d.Checks["queue"].Status != "degraded" || d.Checks["queue"].Error == "" {
		t.Fatalf("no worker anywhere: %+v", d)
	}
	apptest.New(t, func(c *config.Config) { c.Redis.URL, c.Worker.Enabled = redisURL, true })
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if d = detailedOf(t, api); d.Checks["queue"].Status == "up" {
			break
		}
	}
	if d.Status != "healthy" || d.Checks["queue"].Status != "up" {
		t.Errorf("with a worker running: %+v", d)
	}
}
