package batch_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/modules/batch"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/redis"
	"github.com/aquaml/aquaml/platform/testkit/redistest"
)

// sharedRedis returns a Redis the test App and its worker subprocesses
// can all reach, and a function that wipes it. Without TEST_REDIS_URL it
// is a miniredis server of this test's own, and wiping it is FLUSHALL.
// With TEST_REDIS_URL the server is shared with the other test packages
// and this test owns one leased logical database on it: FLUSHDB on that
// database is what FLUSHALL is to a deployment (a real FLUSHALL would
// wipe the other packages' databases too).
func sharedRedis(t *testing.T) (string, func()) {
	t.Helper()
	if os.Getenv("TEST_REDIS_URL") != "" {
		url := redistest.URL(t)
		return url, func() {
			r, err := redis.Open(redis.Options{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := r.Client.Do(context.Background(), r.Client.B().Flushdb().Build()).Error(); err != nil {
				t.Fatal(err)
			}
		}
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mr.Close)
	return "redis://" + mr.Addr() + "/0", mr.FlushAll
}

// heavyPhotos are n photos that take a while to classify (a worker can
// be caught in the middle, and two workers both get some) while uploading
// fast, made from 16 distinct pictures: smooth 2-megapixel PNGs, about 26
// KB each, which cost 14 ms to decode on one Zen 5 core. JPEGs decode at
// 1/8 scale, so their cost no longer grows with their size: with 512x512
// ones one worker finished 240 photos in 0.6 s, while the other still
// slept between its polls of an empty queue (asynq waits 0.5-1.5 s).
// Under the race detector everything is several times slower, so smaller
// photos take as long.
func heavyPhotos(t *testing.T, n int) []file {
	t.Helper()
	size := 1448
	if raceEnabled {
		size = 512
	}
	distinct := make([][]byte, 16)
	for i := range distinct {
		img := image.NewNRGBA(image.Rect(0, 0, size, size))
		for y := range size {
			for x := range size {
				img.SetNRGBA(x, y, color.NRGBA{uint8(x/8 + 20*i), uint8(y / 8), uint8((x + y) / 16 * (i + 3)), 255})
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		distinct[i] = buf.Bytes()
	}
	out := make([]file, n)
	for i := range out {
		out[i] = file{name: fmt.Sprintf("frame-%04d.png", i), data: distinct[i%len(distinct)]}
	}
	return out
}

type itemState struct {
	Seq        int
	Status     string
	Worker     string
	Attempts   int
	FinishedAt *time.Time
}

func itemStates(t *testing.T, ta *apptest.TestApp, id string) map[int]itemState {
	t.Helper()
	var rows []itemState
	if err := ta.DB.Table("batch_items").Select("seq, status, worker, attempts, finished_at").
		Where("batch_id = ?", id).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make(map[int]itemState, len(rows))
	for _, r := range rows {
		out[r.Seq] = r
	}
	return out
}

// byWorker counts done items per worker process.
func byWorker(states map[int]itemState, p *process) int {
	n := 0
	for _, s := range states {
		if s.Status == "done" && strings.Contains(s.Worker, p.id()) {
			n++
		}
	}
	return n
}

const doneSample = `aquaml_batch_items_total{status="done"}`

// TestRedisLosesEverythingMidBatch wipes Redis while a batch is half
// done: its queued tasks, the queue's bookkeeping, everything. The
// reconciler finds the queued items whose task is gone and enqueues them
// again; every photo ends classified, each exactly once.
func TestRedisLosesEverythingMidBatch(t *testing.T) {
	redisURL, flush := sharedRedis(t)
	ta := apptest.New(t, withWorker(func(c *config.Config) {
		c.Redis.URL, c.HTTP.BodyLimit = redisURL, 64<<20
		c.Batch.ChunkSize, c.Batch.Lease, c.Worker.Concurrency = 4, 2*time.Second, 1
	}))
	alice := ta.NewUser("alice")
	files := heavyPhotos(t, 120)
	b := submitPhotos(t, ta, alice, files, nil)

	// Hold the queue once some photos are done, so the wipe falls at a
	// known point: photos done, tasks waiting in Redis, none running.
	deadline := time.Now().Add(30 * time.Second)
	for itemCounts(t, ta, b.ID)["done"] < 4 {
		if time.Now().After(deadline) {
			t.Fatal("no progress within 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := ta.Queue.Inspector.PauseQueue(batch.ChunkQueue); err != nil {
		t.Fatal(err)
	}
	// A task fetched just before the pause may still claim its chunk:
	// wait until no task is active and no photo is held.
	waitFor(t, 30*time.Second, "the running chunk to finish", func() bool {
		q, err := ta.Queue.Inspector.GetQueueInfo(batch.ChunkQueue)
		return err == nil && q.Active == 0 && itemCounts(t, ta, b.ID)["running"] == 0
	})
	before := itemCounts(t, ta, b.ID)
	if before["queued"] == 0 {
		t.Fatalf("the batch finished before Redis could be wiped: %v", before)
	}
	flush() // also lifts the pause, which lived in Redis
	t.Logf("wiped Redis with %v", before)

	end := waitEnded(t, ta, alice, b.ID, 45*time.Second)
	if end.Status != "completed" || end.Done != len(files) {
		t.Fatalf("after the wipe: %+v", end)
	}
	for seq, s := range itemStates(t, ta, b.ID) {
		if s.Status != "done" || s.Attempts != 1 {
			t.Errorf("item %d: %+v (each photo must be claimed once)", seq, s)
		}
	}
	if got := appMetric(t, ta, doneSample); got != float64(len(files)) {
		t.Errorf("%s = %v, want %d", doneSample, got, len(files))
	}
	if !strings.Contains(ta.Logs(), "tasks_requeued") {
		t.Error("the reconciler never re-enqueued the lost tasks")
	}
}

// TestWorkerKilledMidBatch kills a real `aquaml worker` process with
// SIGKILL while it holds photos; a second worker, started then with the
// default BATCH_LEASE and BATCH_RECONCILE_INTERVAL, takes over the photos
// the dead worker held once their lease runs out, the ones it finished
// stay as it wrote them, and every photo is classified exactly once. The
// time to the first takeover is logged, not asserted.
func TestWorkerKilledMidBatch(t *testing.T) {
	redisURL, _ := sharedRedis(t)
	ta := apptest.New(t, func(c *config.Config) {
		c.Redis.URL, c.HTTP.BodyLimit, c.Batch.ChunkSize = redisURL, 96<<20, 8
	})
	alice := ta.NewUser("alice")
	// The first worker runs alone until it is caught holding photos: a
	// second one beside it could finish the batch while the catch below
	// settles (with the JPEGs these tests once sent, two workers finished
	// all 480 in under a second).
	defaults := map[string]string{"WORKER_CONCURRENCY": "2", "BATCH_LEASE": "", "BATCH_RECONCILE_INTERVAL": "", "GOMAXPROCS": "1"}
	first := startWorker(t, ta.Config(), defaults)
	files := heavyPhotos(t, 480)
	b := submitPhotos(t, ta, alice, files, nil)

	heldBy := func(states map[int]itemState, p *process) []int {
		var seqs []int
		for seq, s := range states {
			if s.Status == "running" && strings.Contains(s.Worker, p.id()) {
				seqs = append(seqs, seq)
			}
		}
		return seqs
	}
	// A worker can finish the photos it was seen holding before a kill
	// lands, and on a fast CPU it nearly always did. SIGSTOP freezes it
	// first, so what it holds is read while it cannot move; one frozen
	// between two chunks is let go and caught again. A COMMIT it sent
	// just before freezing may still be running in the database, so what
	// it holds is read once that has had time to land: otherwise the
	// photos read as held may end done by the dead worker and leave
	// nothing to take over.
	var (
		killedAt time.Time
		atKill   map[int]itemState
		held     []int
	)
	const settle = 300 * time.Millisecond
	deadline := time.Now().Add(45 * time.Second)
	for {
		c := itemCounts(t, ta, b.ID)
		if time.Now().After(deadline) || c["queued"]+c["running"] == 0 {
			t.Fatalf("could not catch the first worker mid-batch: %v", c)
		}
		if c["done"] < 16 || len(heldBy(itemStates(t, ta, b.ID), first)) == 0 {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		first.freeze()
		time.Sleep(settle)
		atKill = itemStates(t, ta, b.ID)
		if held = heldBy(atKill, first); len(held) > 0 {
			first.kill()
			killedAt = time.Now()
			break
		}
		first.thaw()
	}
	t.Logf("killed worker %s holding %d photos, %d done", first.id(), len(held), byWorker(atKill, first))
	second := startWorker(t, ta.Config(), defaults)

	// The first photo of the dead worker that the live one claims marks
	// the takeover.
	waitFor(t, 60*time.Second, "the live worker to take over the dead one's photos", func() bool {
		states := itemStates(t, ta, b.ID)
		for _, seq := range held {
			if s := states[seq]; strings.Contains(s.Worker, second.id()) {
				return true
			}
		}
		return false
	})
	t.Logf("takeover %.1fs after the kill with the default lease", time.Since(killedAt).Seconds())

	end := waitEnded(t, ta, alice, b.ID, 120*time.Second)
	if end.Status != "completed" || end.Done != len(files) || end.Failed != 0 {
		t.Fatalf("after the crash: %+v", end)
	}
	final := itemStates(t, ta, b.ID)
	for seq, s := range final {
		if s.Status != "done" {
			t.Errorf("item %d ended %s", seq, s.Status)
		}
		if was := atKill[seq]; was.Status == "done" && (s.Worker != was.Worker || !s.FinishedAt.Equal(*was.FinishedAt)) {
			t.Errorf("item %d was done before the kill and was written again: %+v then %+v", seq, was, s)
		}
	}
	// A held photo is written once: by the second worker after the
	// lease ran out, or by the dead one if its last commit reached the
	// database as it died (the server finishes a COMMIT it received).
	recovered := 0
	for _, seq := range held {
		switch s := final[seq]; {
		case strings.Contains(s.Worker, second.id()) && s.Attempts >= 2:
			recovered++
		case strings.Contains(s.Worker, first.id()) && s.Attempts == 1:
		default:
			t.Errorf("item %d held by the dead worker ended %+v", seq, s)
		}
	}
	if recovered == 0 {
		t.Errorf("none of the %d photos the dead worker held was taken over", len(held))
	}
	mine := byWorker(final, second)
	if got := second.metric(t, doneSample); got != float64(mine) {
		t.Errorf("the second worker counted %v photos done but wrote %d", got, mine)
	}
	if killed := byWorker(final, first); mine+killed != len(files) {
		t.Errorf("%d photos by the live worker + %d by the killed one, want %d", mine, killed, len(files))
	}
}

// TestTwoWorkersShareABatch runs two `aquaml worker` processes on one
// Redis: both take chunks of the same batch, and between them count
// every photo exactly once.
func TestTwoWorkersShareABatch(t *testing.T) {
	redisURL, _ := sharedRedis(t)
	ta := apptest.New(t, func(c *config.Config) {
		c.Redis.URL, c.HTTP.BodyLimit, c.Batch.ChunkSize = redisURL, 64<<20, 4
	})
	alice := ta.NewUser("alice")
	// Sharing, not takeover, is under test: a lease that outlasts a stall
	// of a loaded machine keeps each live worker's photos its own.
	long := map[string]string{"BATCH_LEASE": "1m"}
	workers := []*process{startWorker(t, ta.Config(), long), startWorker(t, ta.Config(), long)}
	waitFor(t, 30*time.Second, "both workers to register", func() bool {
		n, err := ta.Queue.WorkersSeen(context.Background())
		return err == nil && n == 2
	})
	files := heavyPhotos(t, 480) // one worker alone would need 6 s here
	b := submitPhotos(t, ta, alice, files, nil)
	if end := waitEnded(t, ta, alice, b.ID, 60*time.Second); end.Status != "completed" || end.Done != len(files) {
		t.Fatalf("ended %+v", end)
	}
	final := itemStates(t, ta, b.ID)
	total := 0
	for i, w := range workers {
		mine := byWorker(final, w)
		if mine == 0 {
			t.Errorf("worker %d took no photos", i+1)
		}
		if got := w.metric(t, doneSample); got != float64(mine) {
			t.Errorf("worker %d counted %v photos done but wrote %d", i+1, got, mine)
		}
		total += mine
		t.Logf("worker %d classified %d photos", i+1, mine)
	}
	if total != len(files) {
		t.Errorf("the workers wrote %d photos, want %d", total, len(files))
	}
	for seq, s := range final {
		if s.Attempts != 1 {
			t.Errorf("item %d claimed %d times", seq, s.Attempts)
		}
	}
}
