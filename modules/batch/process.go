package batch

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/blobstore"
	"github.com/aquaml/aquaml/platform/inference"
)

// flushEvery bounds how long a finished photo waits before its result is
// written (progress stays live even when the engine is slow).
const flushEvery = 250 * time.Millisecond

// process classifies the held items, Parallel at a time, so the engine
// always has enough photos to run full batches, and writes the results in
// groups as they come: progress moves smoothly, a chunk can be large
// without a pause between chunks, and a crash loses only the photos in
// flight. While it works it renews the lease; if the claim is lost
// (cancel, or a lease that ran out while this process stalled) it stops,
// since nothing it computes could be written. It returns how many items
// reached each status (itemQueued: handed back for a retry).
func (m *Module) process(ctx context.Context, b batchRow, token string, held []itemRow) (map[string]int, error) {
	work, stop := context.WithCancel(ctx)
	defer stop()
	go m.heartbeat(work, stop, b.ID, token)

	photos := m.photos(b.ID)
	todo := make(chan itemRow)
	outs := make(chan outcome, m.cfg.Parallel)
	var wg sync.WaitGroup
	for range min(m.cfg.Parallel, len(held)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range todo {
				if work.Err() != nil {
					outs <- outcome{seq: it.Seq, status: itemQueued}
					continue
				}
				outs <- m.classifyItem(work, photos, b, it)
			}
		}()
	}
	go func() {
		for _, it := range held {
			todo <- it
		}
		close(todo)
		wg.Wait()
		close(outs)
	}()
	return m.writeOutcomes(ctx, stop, b.ID, token, outs)
}

// writeOutcomes writes outcomes as they arrive, in groups of half the
// photos in flight or every flushEvery. Writes go on after ctx ends (at
// shutdown): the work done is kept and the rest handed back at once. If a
// write fails, the remaining work is stopped; the items stay claimed until
// their lease runs out and another worker takes them.
func (m *Module) writeOutcomes(ctx context.Context, stop context.CancelFunc, batchID, token string, outs <-chan outcome) (map[string]int, error) {
	wctx := context.WithoutCancel(ctx)
	group := max(m.cfg.Parallel/2, 1)
	applied := map[string]int{}
	var pending []outcome
	var werr error
	flush := func() {
		if len(pending) == 0 || werr != nil {
			return
		}
		c, cancel := context.WithTimeout(wctx, 30*time.Second)
		got, err := m.store.complete(c, batchID, token, pending, time.Now().UTC())
		cancel()
		if err != nil {
			werr = err
			stop()
			return
		}
		for status, n := range got {
			applied[status] += n
		}
		m.metrics.items.WithLabelValues(itemDone).Add(float64(got[itemDone]))
		m.metrics.items.WithLabelValues(itemFailed).Add(float64(got[itemFailed]))
		pending = pending[:0]
	}
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	for {
		select {
		case o, ok := <-outs:
			if !ok {
				flush()
				return applied, werr
			}
			pending = append(pending, o)
			if len(pending) >= group {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// heartbeat renews the claim's lease every third of it until ctx ends.
func (m *Module) heartbeat(ctx context.Context, lost context.CancelFunc, batchID, token string) {
	t := time.NewTicker(m.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := m.store.renew(ctx, batchID, token, time.Now().UTC().Add(m.cfg.Lease))
		if err != nil {
			if ctx.Err() == nil {
				m.log.Warn("renewing a batch lease", "batch", batchID, "error", err)
			}
			continue
		}
		if n == 0 {
			m.log.Info("claim lost; stopping this chunk", "batch", batchID)
			lost()
			return
		}
	}
}

// overloadRetries is how often a photo is offered again to a busy engine
// (with a growing pause) before it is handed back to the queue.
var overloadRetries = []time.Duration{20 * time.Millisecond, 100 * time.Millisecond, 300 * time.Millisecond, time.Second}

func (m *Module) classifyItem(ctx context.Context, photos *blobstore.Store, b batchRow, it itemRow) outcome {
	o := outcome{seq: it.Seq}
	data, err := photos.Get(ctx, it.ImageSHA256)
	if errors.Is(err, blobstore.ErrNotFound) {
		o.status, o.code, o.reason = itemFailed, "image_missing", "the stored photo is missing"
		return o
	}
	if err != nil {
		m.log.Warn("reading a batch photo", "batch", it.BatchID, "seq", it.Seq, "error", err)
		o.status = itemQueued
		return o
	}
	req := inference.Request{Photo: data, SHA256: it.ImageSHA256, TopK: b.TopK, Model: b.ModelID}
	if it.GroupName != "" {
		req.TopK = allScores
	}
	for attempt := 0; ; attempt++ {
		res, err := m.deps.Classifier.Classify(ctx, req)
		if err == nil {
			o.status, o.result = itemDone, res
			if it.GroupName != "" {
				// The group sums every label; the photo shows its top-k.
				scores, _ := json.Marshal(res.Predictions)
				o.scores = string(scores)
				o.result.Predictions = res.Predictions[:min(b.TopK, len(res.Predictions))]
			}
			return o
		}
		if bad, ok := photoFault(err); ok {
			o.status, o.code, o.reason = itemFailed, bad.Code, bad.Message
			if b.ModelID != "" && (bad.Code == "model_not_found" || bad.Code == "model_not_ready") {
				o.reason = "the batch's model " + b.ModelName + ":" + b.ModelVersion + " is no longer served here: " + bad.Message
			}
			return o
		}
		if ctx.Err() != nil || attempt >= len(overloadRetries) {
			o.status = itemQueued
			if ctx.Err() == nil {
				m.log.Warn("classifier unavailable; handing the photo back", "batch", it.BatchID, "seq", it.Seq, "error", err)
			}
			return o
		}
		select {
		case <-ctx.Done():
		case <-time.After(overloadRetries[attempt]):
		}
	}
}

// photoFault is the error of a photo that will never classify, as opposed
// to a classifier that is busy or reloading.
func photoFault(err error) (*apperr.Error, bool) {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Unavailable || e.Kind == apperr.Internal {
		return nil, false
	}
	return e, true
}

// photos is the batch's own photo store.
func (m *Module) photos(batchID string) *blobstore.Store {
	return blobstore.New(m.batchDir(batchID))
}

// batchDir keeps each batch's photos apart, so deleting a batch removes
// exactly its photos with no reference counting across batches.
func (m *Module) batchDir(batchID string) string {
	return filepath.Join(m.cfg.Dir, batchID)
}
