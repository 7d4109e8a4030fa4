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
	yield  bool // give way between chunks: see Par
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
		if j.yield {
			giveWay()
		}
	}
}

// Par bounds the goroutines one kernel call runs on, the caller included:
// under Par(1) every call runs on its caller alone. The zero Par takes up to
// GOMAXPROCS, as the package-level functions do. A training job runs its
// kernels under a Par below the core count so that requests served by the
// same process keep cores of their own; serving runs unbounded, and one
// caller's bound never slows another's calls.
//
// A bounded call also gives way between its chunks (a few milliseconds of
// work at most each): runtime.Gosched, or what SetGiveWay set. Without
// that, a goroutine the scheduler queued behind it (a serving kernel's
// helper, a request's handler) waits for the 10 ms time slice to end, once
// per layer of the served network.
type Par int

var giveWayFunc atomic.Pointer[func()]

// SetGiveWay sets what every bounded call (Par > 0) does between its
// chunks; nil restores runtime.Gosched. A process that serves requests
// beside a training job sets a function that waits while requests are in
// flight, so that the training maths runs in the gaps they leave.
func SetGiveWay(f func()) {
	if f == nil {
		giveWayFunc.Store(nil)
		return
	}
	giveWayFunc.Store(&f)
}

// GiveWay is what a bounded call does between its chunks, for other
// background work of the same job (its data loading) to do the same.
func GiveWay() { giveWay() }

func giveWay() {
	if f := giveWayFunc.Load(); f != nil {
		(*f)()
		return
	}
	runtime.Gosched()
}

// parts is how many goroutines may run one parallelFor of a call under p.
func (p Par) parts() int {
	n := runtime.GOMAXPROCS(0)
	if p > 0 && int(p) < n {
		return int(p)
	}
	return n
}

// observeParts, set only by tests, is told how many goroutines each
// parallelFor ran on.
var observeParts func(parts int)

// parallelFor runs t.run for chunks 0..chunks-1 on the caller and up to parts-1
// idle helper goroutines, and returns when all are done. Participant numbers stay
// below parts. Under a bound it gives way between chunks. It allocates nothing
// in steady state.
func (p Par) parallelFor(t task, chunks, parts int) {
	parts = min(parts, chunks)
	if parts <= 1 {
		for i := range chunks {
			t.run(0, i)
			if p > 0 {
				giveWay()
			}
		}
		if observeParts != nil {
			observeParts(1)
		}
		return
	}
	helpersOnce.Do(startHelpers)
	j := jobs.get()
	j.t, j.chunks, j.yield = t, int64(chunks), p > 0
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
	if observeParts != nil {
		observeParts(int(j.parts.Load()))
	}
	j.t = nil
	jobs.put(j)
}

// ranges runs a task's chunks in a fixed number of contiguous ranges, each
// from start to end on one goroutine, and tells the task the range number
// as its participant. Which goroutine takes a range still varies, but what
// each partial sum contains, and the order it is built in, no longer does:
// reductions give the same bits on every run (training with a seed is
// reproducible).
type ranges struct {
	t      task
	chunks int
	n      int
	yield  bool
}

var rangeTasks = newFreeList(freeListSize, func() *ranges { return new(ranges) })

func (r *ranges) run(_, rng int) {
	lo, hi := rng*r.chunks/r.n, (rng+1)*r.chunks/r.n
	for i := lo; i < hi; i++ {
		r.t.run(rng, i)
		if r.yield {
			giveWay()
		}
	}
}

// parallelRanges is parallelFor for reductions: chunks are split into
// min(parts, chunks) fixed ranges, and participant numbers are range
// numbers, so per-participant partial results are deterministic.
func (p Par) parallelRanges(t task, chunks, parts int) {
	n := min(parts, chunks)
	if n <= 1 {
		for i := range chunks {
			t.run(0, i)
			if p > 0 {
				giveWay()
			}
		}
		return
	}
	r := rangeTasks.get()
	*r = ranges{t: t, chunks: chunks, n: n, yield: p > 0}
	p.parallelFor(r, n, n)
	*r = ranges{}
	rangeTasks.put(r)
}
