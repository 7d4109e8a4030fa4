package schedule

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestEveryRunsAtOnceAndStops(t *testing.T) {
	var runs atomic.Int32
	started := make(chan struct{}, 100)
	stop := Every(time.Millisecond, func(ctx context.Context) {
		runs.Add(1)
		select {
		case started <- struct{}{}:
		default:
		}
	})
	<-started
	<-started
	stop()
	after := runs.Load()
	time.Sleep(10 * time.Millisecond)
	if runs.Load() != after {
		t.Errorf("ran %d more times after stop", runs.Load()-after)
	}
	stop() // a second stop is harmless
}
