package training_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aquaml/aquaml/modules/training"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/testkit/proctest"
	"github.com/aquaml/aquaml/platform/testkit/redistest"
)

func TestMain(m *testing.M) { proctest.Main(m) }

// reachableRedis is a Redis the worker subprocesses can reach: a leased
// DB of TEST_REDIS_URL, or an in-process server listening on TCP.
func reachableRedis(t *testing.T) string {
	t.Helper()
	if os.Getenv("TEST_REDIS_URL") != "" {
		return redistest.URL(t)
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mr.Close)
	return "redis://" + mr.Addr() + "/0"
}

// worker is an `aquaml worker` subprocess sharing the test App's
// database, Redis, model and training folders.
type worker struct {
	cmd  *exec.Cmd
	logs *proctest.Buffer
	done chan struct{}
}

func startWorker(t *testing.T, cfg config.Config, extra map[string]string) *worker {
	t.Helper()
	bin := proctest.Binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	w := &worker{logs: &proctest.Buffer{}, done: make(chan struct{})}
	env := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"), "TMPDIR": os.TempDir(),
		"ENVIRONMENT": "test", "LOG_LEVEL": "INFO", "API_HOST": "127.0.0.1", "API_PORT": strconv.Itoa(port),
		"DATABASE_URL": cfg.Database.URL, "SQLITE_PATH": cfg.Database.SQLitePath, "REDIS_URL": cfg.Redis.URL,
		"SECRET_KEY": cfg.Auth.SecretKey, "JWT_SECRET_KEY": cfg.Auth.JWTSecretKey,
		"MODEL_DIR": cfg.Model.Dir, "BATCH_DIR": cfg.Batch.Dir, "TRAINING_DIR": cfg.Training.Dir,
		"TRAINING_LEASE": "2s", "TRAINING_RECONCILE_INTERVAL": "200ms", "TRAINING_THREADS": "1", "SHUTDOWN_GRACE": "5s",
	}
	for k, v := range extra {
		env[k] = v
	}
	w.cmd = exec.Command(bin, "worker")
	w.cmd.Dir = t.TempDir()
	for k, v := range env {
		w.cmd.Env = append(w.cmd.Env, k+"="+v)
	}
	w.cmd.Stdout, w.cmd.Stderr = w.logs, w.logs
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		w.kill()
		if t.Failed() {
			t.Logf("worker %d log:\n%s", w.cmd.Process.Pid, w.logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/ready", port)); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return w
			}
		}
		select {
		case <-w.done:
			t.Fatalf("worker exited during start-up:\n%s", w.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker not ready within 60s:\n%s", w.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL: no shutdown, the lease left held.
func (w *worker) kill() {
	select {
	case <-w.done:
		return
	default:
	}
	w.cmd.Process.Kill()
	<-w.done
}

// TestKilledWorkerIsResumedFromItsCheckpoint SIGKILLs the worker training
// a job after an epoch; the job does not stay running: once its lease runs
// out another worker resumes it from the checkpoint and completes it.
func TestKilledWorkerIsResumedFromItsCheckpoint(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, false, func(c *config.Config) { c.Redis.URL = reachableRedis(t) })
	admin := ta.Admin()
	ds.add(t, "v-kill", admin.UserID, 3, 24)
	job := submit(t, ta, admin, slowJob("v-kill"))
	// The subprocesses have no datasets module to read the photos from
	// (it is this test's): lay the version out where a worker would have.
	if _, err := training.Materialise(context.Background(), ds, filepath.Join(ta.Config().Training.Dir, job.ID), "v-kill"); err != nil {
		t.Fatal(err)
	}

	first := startWorker(t, ta.Config(), nil)
	var before jobView
	waitFor(t, 2*time.Minute, "the first worker's first epoch", func() bool {
		before = getJob(t, ta, admin, job.ID)
		return before.Progress.Epoch >= 1 || before.Status != "running" && before.Status != "queued"
	})
	first.kill()
	if before.Status != "running" || before.Progress.Epoch >= epochs {
		t.Fatalf("before the kill: %+v; want a job part way through", before)
	}
	if j := getJob(t, ta, admin, job.ID); j.Status != "running" {
		t.Fatalf("right after the kill the job is %s; the lease should still hold it", j.Status)
	}

	second := startWorker(t, ta.Config(), nil)
	end := waitStatus(t, ta, admin, job.ID, 5*time.Minute, "completed", "failed", "cancelled")
	if end.Status != "completed" || end.ModelID == "" || !everyEpoch(end) || end.Attempts < 2 {
		t.Fatalf("after the kill the job ended %+v; want completed by a second attempt with every epoch's curves", end)
	}
	if logs := second.logs.String(); !strings.Contains(logs, "training job resumed from its checkpoint") {
		t.Errorf("the second worker did not resume from the checkpoint:\n%s", logs)
	}
}

// TestStoppedWorkerHandsItsJobBack sends SIGTERM to the worker training a
// job: it hands the job back at once (queued, not running until a lease
// runs out), and the next worker resumes it from the checkpoint.
func TestStoppedWorkerHandsItsJobBack(t *testing.T) {
	ds := newDatasets()
	ta := start(t, ds, false, func(c *config.Config) { c.Redis.URL = reachableRedis(t) })
	admin := ta.Admin()
	ds.add(t, "v-stop", admin.UserID, 3, 24)
	job := submit(t, ta, admin, slowJob("v-stop"))
	if _, err := training.Materialise(context.Background(), ds, filepath.Join(ta.Config().Training.Dir, job.ID), "v-stop"); err != nil {
		t.Fatal(err)
	}
	// A short grace: the job is cancelled and handed back a second or
	// two after the signal, long before it could finish.
	first := startWorker(t, ta.Config(), map[string]string{"SHUTDOWN_GRACE": "1s"})
	waitFor(t, 2*time.Minute, "the first worker's first epoch", func() bool {
		j := getJob(t, ta, admin, job.ID)
		return j.Progress.Epoch >= 1 || final(j.Status)
	})
	if err := first.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not stop within 30s of SIGINT")
	}
	if j := getJob(t, ta, admin, job.ID); j.Status != "queued" || j.Progress.Epoch >= epochs {
		t.Fatalf("after a clean stop the job is %+v; want it queued part way through", j)
	}
	second := startWorker(t, ta.Config(), nil)
	end := waitStatus(t, ta, admin, job.ID, 5*time.Minute, "completed", "failed", "cancelled")
	if end.Status != "completed" || !everyEpoch(end) {
		t.Fatalf("ended %+v", end)
	}
	if !strings.Contains(second.logs.String(), "training job resumed from its checkpoint") {
		t.Errorf("the second worker started over:\n%s", second.logs.String())
	}
}

// slowJob trains long enough (seconds) for a test to stop its worker part
// way through. The recipe is off, as the plain run it was sized for:
// early stopping would end it within a few epochs on the easy test data,
// and the test needs every epoch run. Under the race detector a worker
// trains several times slower (where the CPU has no assembly for a
// training kernel, the Go fallback runs instrumented), so the job is
// shorter there.
const epochs = 150 - 110*raceOn

func slowJob(version string) map[string]any {
	return map[string]any{"dataset_version": version, "architecture": "fishnet", "input": "32x32", "epochs": epochs, "seed": 3,
		"recipe": map[string]any{"patience": 0, "flip_tta": false, "mixup": 0, "average_epochs": 0}}
}

// everyEpoch reports whether the job's curves hold each epoch once, in
// order.
func everyEpoch(j jobView) bool {
	if len(j.History) != epochs {
		return false
	}
	for i, e := range j.History {
		if e.Epoch != i+1 {
			return false
		}
	}
	return true
}

func final(status string) bool { return status != "queued" && status != "running" }
