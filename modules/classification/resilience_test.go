package classification_test

import (
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/testkit/nettest"
)

func TestRedisOutageNeverFailsAClassification(t *testing.T) {
	redisURL, proxy := nettest.Behind(t, apptest.SharedRedisURL(t))
	ta := apptest.New(t, func(c *config.Config) { c.Redis.URL = redisURL })
	alice := ta.NewUser("alice")
	img := apptest.Photo(t, 4, 40, 40, "png")
	var first, again classification
	classify(t, ta, alice, img, nil).Want(200).JSON(&first)
	classify(t, ta, alice, img, nil).Want(200).JSON(&again)
	if !again.Cached {
		t.Fatal("repeat not cached while Redis is up")
	}
	proxy.Cut()
	var down classification
	classify(t, ta, alice, img, nil).Want(200).JSON(&down)
	if down.Cached || down.Predictions[0] != first.Predictions[0] {
		t.Errorf("with Redis down: cached=%v, %+v vs %+v", down.Cached, down.Predictions[0], first.Predictions[0])
	}
	metrics := string(ta.Do("GET", "/metrics", nil, nil).Body)
	if strings.Contains(metrics, "aquaml_cache_errors_total 0") {
		t.Error("cache errors not counted")
	}
}

func TestHealthReportsTheModel(t *testing.T) {
	ta := apptest.New(t, nil)
	var h struct {
		Checks map[string]struct {
			Status   string
			Critical bool
			Details  map[string]any
		}
	}
	ta.Do("GET", "/health/detailed", nil, nil).Want(200).JSON(&h)
	m := h.Checks["model"]
	if m.Status != "up" || !m.Critical || m.Details["loaded"] != true || m.Details["name"] == "" || m.Details["version"] == nil {
		t.Errorf("model check %+v", m)
	}
	var ready struct {
		Checks map[string]struct{ Status string }
	}
	ta.Do("GET", "/ready", nil, nil).Want(200).JSON(&ready)
	if ready.Checks["model"].Status != "up" {
		t.Errorf("/ready does not include the model: %+v", ready)
	}
}
