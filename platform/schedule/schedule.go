// Package schedule runs housekeeping on an interval in the background:
// retention passes and the like, which every worker process runs and
// which are written to be safe when several run at once.
package schedule

import (
	"context"
	"sync"
	"time"
)

// Every runs fn now and then every interval until stop is called; stop
// waits for a pass in progress to end. A pass gets a context cancelled
// by stop.
func Every(interval time.Duration, fn func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			fn(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}
