package batch_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/testkit/nettest"
)

// TestRedisDownAtSubmission: with Redis unreachable a batch is still
// accepted (the database holds it), and once Redis is back the
// reconciler enqueues its work and it completes.
func TestRedisDownAtSubmission(t *testing.T) {
	redisURL, proxy := nettest.Behind(t, apptest.SharedRedisURL(t))
	ta := apptest.New(t, withWorker(func(c *config.Config) {
		c.Redis.URL, c.Batch.Lease = redisURL, 2*time.Second
	}))
	alice := ta.NewUser("alice")
	proxy.Pause()
	proxy.Drop()
	body, ct := form(t, photos(t, 5, 32), nil)
	res := submit(t, ta, alice, body, ct)
	if res.Status != http.StatusAccepted {
		t.Fatalf("with Redis down: %d %s", res.Status, res.Body)
	}
	b := decode[batchJSON](t, res.Body)
	if !strings.Contains(b.Notice, "queue is unreachable") {
		t.Errorf("the 202 does not say the batch waits for the queue: %s", res.Body)
	}
	if !strings.Contains(ta.Logs(), "enqueueing a batch chunk; the reconciler will retry") {
		t.Fatal("the tasks were enqueued: Redis was not down")
	}
	proxy.Resume()
	if end := waitEnded(t, ta, alice, b.ID, 45*time.Second); end.Status != "completed" || end.Done != 5 {
		t.Fatalf("after Redis came back: %+v", end)
	}
}
