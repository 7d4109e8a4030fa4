package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// task is a unit of parallel work split into numbered chunks. part identifies the
// participant running the chunk (0 is the caller), so each can own a slice of scratch.
type task interface {
	run(part, chunk int)
}

// job is one parallelFor call in flight. Jobs are pooled so that handing one to
// the helper goroutines allocates nothing.
type job struct {
	t      task
	chunks int64
	next   atomic.Int64
	parts  atomic.Int32
	done   sync.WaitGroup
}

var (
	jobs        = newFreeList(freeListSize, func() *job { return new(job) })
	helpersOnce sync.Once
	// helperCh is unbuffered: a send succeeds only when a helper is idle, so a caller
	// never waits on a helper that is busy with somebody else's job.
	helperCh chan *job
)

func startHelpers() {
	helperCh = make(chan *job)
	n := max(runtime.NumCPU(), runtime.GOMAXPROCS(0)) - 1
	for range n {
		go func() {
			for j := range helperCh {
				j.work(int(j.parts.Add(1)) - 1)
				j.done.Done()
			}
		}()
	}
}

func (j *job) work(part int) {
	for {
		i := j.next.Add(1) - 1
		if i >= j.chunks {
			return
		}
		j.t.run(part, int(i))
	}
}

// maxParts is how many goroutines may run one parallelFor at a time.
func maxParts() int { return runtime.GOMAXPROCS(0) }

// parallelFor runs t.run for chunks 0..chunks-1 on the caller and up to parts-1
// idle helper goroutines, and returns when all are done. Participant numbers stay
// below parts. It allocates nothing in steady state.
func parallelFor(t task, chunks, parts int) {
	parts = min(parts, chunks)
	if parts <= 1 {
		for i := range chunks {
			t.run(0, i)
		}
		return
	}
	helpersOnce.Do(startHelpers)
	j := jobs.get()
	j.t, j.chunks = t, int64(chunks)
	j.next.Store(0)
	j.parts.Store(1)
	for range parts - 1 {
		j.done.Add(1)
		sent := false
		select {
		case helperCh <- j:
			sent = true
		default:
		}
		if !sent {
			j.done.Done()
			break
		}
	}
	j.work(0)
	j.done.Wait()
	j.t = nil
	jobs.put(j)
}
