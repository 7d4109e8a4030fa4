package batch_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

// TestWorkerStopsGracefully sends SIGTERM to a worker in the middle of a
// batch: it stops taking chunks, finishes the ones it holds and exits,
// leaving no photo held. Another worker does the rest, and no photo is
// claimed twice.
func TestWorkerStopsGracefully(t *testing.T) {
	redisURL, _ := sharedRedis(t)
	ta := apptest.New(t, func(c *config.Config) {
		c.Redis.URL, c.HTTP.BodyLimit, c.Batch.ChunkSize = redisURL, 64<<20, 8
	})
	alice := ta.NewUser("alice")
	first := startWorker(t, ta.Config(), map[string]string{"SHUTDOWN_GRACE": "20s"})
	files := heavyPhotos(t, 240)
	b := submitPhotos(t, ta, alice, files, nil)
	waitFor(t, 45*time.Second, "the worker to get going", func() bool {
		c := itemCounts(t, ta, b.ID)
		return c["done"] >= 16 || c["queued"]+c["running"] == 0
	})
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not stop within 30s of SIGTERM")
	}
	if code := first.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d", code)
	}
	c := itemCounts(t, ta, b.ID)
	if c["running"] != 0 {
		t.Fatalf("photos still held after a graceful stop: %v", c)
	}
	if c["queued"] == 0 {
		t.Logf("the batch was done before the stop: %v", c)
	}

	startWorker(t, ta.Config(), nil)
	if end := waitEnded(t, ta, alice, b.ID, 60*time.Second); end.Status != "completed" || end.Done != len(files) {
		t.Fatalf("ended %+v", end)
	}
	for seq, s := range itemStates(t, ta, b.ID) {
		if s.Attempts != 1 {
			t.Errorf("item %d claimed %d times", seq, s.Attempts)
		}
	}
}
