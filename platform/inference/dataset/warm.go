package dataset

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Warm decodes every sample into the cache with the loader's workers, so the
// first epoch is as fast as the later ones. It stops early when the cache
// budget is spent, and fails on the first unreadable file. It is a no-op
// without a cache.
func (l *Loader) Warm(ctx context.Context) error {
	if l.cache == nil {
		return nil
	}
	var next atomic.Int64
	var full atomic.Bool
	errs := make([]error, l.cfg.Workers)
	var wg sync.WaitGroup
	for w := range l.cfg.Workers {
		wg.Go(func() {
			for ctx.Err() == nil && !full.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(l.cache) {
					return
				}
				if l.cache[i].Load() != nil {
					continue
				}
				if _, err := l.image(i); err != nil {
					errs[w] = err
					return
				}
				if l.cache[i].Load() == nil {
					full.Store(true) // it did not fit
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dataset: warm cache: %w", err)
	}
	return nil
}
