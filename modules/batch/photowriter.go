package batch

import (
	"context"
	"sync"

	"github.com/aquaml/aquaml/platform/blobstore"
	"golang.org/x/sync/semaphore"
)

// Each stored photo is fsynced before the upload is answered; done one by
// one that is a disk flush per photo in sequence. photoWriter overlaps
// them, holding at most writeBudget bytes and writeSlots photos in
// memory at once.
const (
	writeBudget = 64 << 20
	writeSlots  = 16
)

type photoWriter struct {
	photos *blobstore.Store
	bytes  *semaphore.Weighted
	slots  *semaphore.Weighted
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
}

func newPhotoWriter(photos *blobstore.Store) *photoWriter {
	return &photoWriter{photos: photos, bytes: semaphore.NewWeighted(writeBudget), slots: semaphore.NewWeighted(writeSlots)}
}

// put starts storing data under sum (its Sum, computed once by the
// caller); wait reports whether every write succeeded. Once ctx is done
// (the client hung up) it starts no more writes and returns ctx's error.
func (w *photoWriter) put(ctx context.Context, sum string, data []byte) error {
	weight := min(int64(len(data)), writeBudget) // a photo above the budget waits for all others
	if err := w.slots.Acquire(ctx, 1); err != nil {
		return err
	}
	if err := w.bytes.Acquire(ctx, weight); err != nil {
		w.slots.Release(1)
		return err
	}
	w.wg.Add(1)
	go func() {
		defer func() {
			w.bytes.Release(weight)
			w.slots.Release(1)
			w.wg.Done()
		}()
		if err := w.photos.PutSum(ctx, sum, data); err != nil {
			w.mu.Lock()
			if w.err == nil {
				w.err = err
			}
			w.mu.Unlock()
		}
	}()
	return nil
}

// wait blocks until every write started has finished.
func (w *photoWriter) wait() error {
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
