package imageio

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// ErrBusy reports a decode that could not be admitted in time: the decode
// memory or CPU budget stayed full while it waited. The API answers 503
// with Retry-After; retrying later succeeds.
var ErrBusy = errors.New("decoder busy")

// Default budget of a process: sized for a 2-core box with 2-4 GB of
// memory (see README, "Image limits").
const (
	// DefaultDecodeMemory is the memory all decodes at once may claim.
	DefaultDecodeMemory = 384 << 20
	// DefaultAdmitWait is how long a decode waits for room before ErrBusy.
	DefaultAdmitWait = 2 * time.Second
	// heavyWork is the work (pixels weighted by format, see Cost.Work)
	// above which a decode needs a heavy slot: a 16-megapixel baseline
	// JPEG and beyond. Below it photos share the CPU freely, so one user's
	// ordinary photo never queues behind another user's giant one.
	heavyWork = 16 << 20
)

// Budget admits decodes against a memory limit and a number of heavy
// decodes at once. One Budget is shared by every decode of a process
// (SharedBudget); tests make their own.
type Budget struct {
	mu       sync.Mutex
	limit    int64 // bytes all admitted decodes may claim
	slots    int   // heavy decodes at once
	used     int64
	heavy    int
	peak     int64
	admitted int64
	refused  int64
	waiting  int
	wake     chan struct{} // closed (and replaced) on every release
}

// NewBudget returns a budget of memory bytes and heavy concurrent heavy
// decodes; values <= 0 take the defaults.
func NewBudget(memory int64, heavy int) *Budget {
	b := &Budget{wake: make(chan struct{})}
	b.SetLimits(memory, heavy)
	return b
}

// DefaultHeavyDecodes leaves one core of every two to ordinary photos and
// inference while giant photos decode.
func DefaultHeavyDecodes() int { return max(1, runtime.GOMAXPROCS(0)/2) }

var shared = NewBudget(0, 0)

// SharedBudget is the process-wide budget a Limits without its own uses.
func SharedBudget() *Budget { return shared }

// SetLimits changes the budget; decodes already admitted keep their share.
func (b *Budget) SetLimits(memory int64, heavy int) {
	if memory <= 0 {
		memory = DefaultDecodeMemory
	}
	if heavy <= 0 {
		heavy = DefaultHeavyDecodes()
	}
	b.mu.Lock()
	b.limit, b.slots = memory, heavy
	b.notifyLocked()
	b.mu.Unlock()
}

// BudgetStats is a snapshot of a Budget, for metrics and tests.
type BudgetStats struct {
	Limit    int64 // bytes
	InUse    int64 // bytes claimed by decodes running now
	Peak     int64 // most bytes ever claimed at once
	Heavy    int   // heavy decodes running now
	Slots    int   // heavy decodes allowed at once
	Waiting  int   // decodes waiting for room
	Admitted int64 // decodes admitted so far
	Refused  int64 // decodes refused (ErrBusy) so far
}

// Stats returns the current figures.
func (b *Budget) Stats() BudgetStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BudgetStats{Limit: b.limit, InUse: b.used, Peak: b.peak, Heavy: b.heavy, Slots: b.slots,
		Waiting: b.waiting, Admitted: b.admitted, Refused: b.refused}
}

// admit claims c's memory (and a heavy slot when c is heavy), waiting up
// to wait (forever when negative) or until ctx ends. The returned func
// gives the claim back. A cost that alone exceeds the limit is ErrTooLarge
// at once: waiting would never help.
func (b *Budget) admit(ctx context.Context, c Cost, wait time.Duration) (func(), error) {
	heavy := c.Heavy()
	b.mu.Lock()
	if c.Memory > b.limit {
		limit := b.limit
		b.mu.Unlock()
		return nil, newError(ErrTooLarge, c.Format, fmt.Sprintf("decoding %s would take about %d MB, more than the decode memory budget of %d MB",
			c.describe(), mb(c.Memory), mb(limit)), nil)
	}
	var timeout <-chan time.Time
	for !b.fitsLocked(c.Memory, heavy) {
		if timeout == nil && wait >= 0 {
			t := time.NewTimer(wait)
			defer t.Stop()
			timeout = t.C
		}
		wake := b.wake
		b.waiting++
		b.mu.Unlock()
		var err error
		select {
		case <-wake:
		case <-timeout:
			err = newError(ErrBusy, c.Format, fmt.Sprintf("%s (about %d MB) waited %v for decode memory or CPU", c.describe(), mb(c.Memory), wait), nil)
		case <-ctx.Done():
			err = ctx.Err()
		}
		b.mu.Lock()
		b.waiting--
		if err != nil && !b.fitsLocked(c.Memory, heavy) {
			b.refused++
			b.mu.Unlock()
			return nil, err
		}
	}
	b.used += c.Memory
	b.peak = max(b.peak, b.used)
	b.admitted++
	if heavy {
		b.heavy++
	}
	b.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			b.used -= c.Memory
			if heavy {
				b.heavy--
			}
			b.notifyLocked()
			b.mu.Unlock()
		})
	}, nil
}

func (b *Budget) fitsLocked(memory int64, heavy bool) bool {
	return b.used+memory <= b.limit && (!heavy || b.heavy < b.slots)
}

func (b *Budget) notifyLocked() {
	if b.wake != nil {
		close(b.wake)
	}
	b.wake = make(chan struct{})
}

func mb(n int64) int64 { return (n + 1<<20 - 1) >> 20 }
