package batch

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"time"

	"github.com/aquaml/aquaml/platform/blobstore"
)

// process classifies the held items, Parallel at a time, so the engine
// sees enough photos at once to run full batches. While it works it
// renews the lease; if the claim is lost (cancel, or a lease that ran out
// while this process was stalled) it stops early, since nothing it
// computes could be written.
func (m *Module) process(ctx context.Context, b batchRow, token string, held []itemRow) []outcome {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go m.heartbeat(ctx, cancel, b.ID, token)

	photos := m.photos(b.ID)
	outs := make([]outcome, len(held))
	sem := make(chan struct{}, m.cfg.Parallel)
	var wg sync.WaitGroup
	for i, it := range held {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				outs[i] = outcome{seq: it.Seq, status: itemQueued}
				return
			}
			outs[i] = m.classifyItem(ctx, photos, b.TopK, it)
		}()
	}
	wg.Wait()
	return outs
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

func (m *Module) classifyItem(ctx context.Context, photos *blobstore.Store, topK int, it itemRow) outcome {
	o := outcome{seq: it.Seq}
	data, err := photos.Get(it.ImageSHA256)
	if errors.Is(err, blobstore.ErrNotFound) {
		o.status, o.code, o.reason = itemFailed, "image_missing", "the stored photo is missing"
		return o
	}
	if err != nil {
		m.log.Warn("reading a batch photo", "batch", it.BatchID, "seq", it.Seq, "error", err)
		o.status = itemQueued
		return o
	}
	for attempt := 0; ; attempt++ {
		res, err := m.deps.Classify(ctx, data, topK)
		var bad *ImageError
		switch {
		case err == nil:
			o.status, o.result = itemDone, res
			return o
		case errors.As(err, &bad):
			o.status, o.code, o.reason = itemFailed, bad.Code, bad.Message
			return o
		case ctx.Err() != nil || attempt >= len(overloadRetries):
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

// photos is the batch's own photo store.
func (m *Module) photos(batchID string) *blobstore.Store {
	return blobstore.New(m.batchDir(batchID))
}

// batchDir keeps each batch's photos apart, so deleting a batch removes
// exactly its photos with no reference counting across batches.
func (m *Module) batchDir(batchID string) string {
	return filepath.Join(m.cfg.Dir, batchID)
}
