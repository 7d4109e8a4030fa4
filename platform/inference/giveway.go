package inference

import (
	"runtime"
	"sync/atomic"
	"time"
)

// serving counts the images being classified in this process, by every
// engine: what background work gives way to.
var serving atomic.Int64

// Serving is the number of images being classified in this process now.
func Serving() int64 { return serving.Load() }

// How long GiveWay waits at most, and how often it looks again. The cap
// keeps background work moving under a steady load: it then runs a chunk
// (a few milliseconds of maths) in every giveWayMax or so.
const (
	giveWayMax  = 5 * time.Millisecond
	giveWayPoll = 200 * time.Microsecond
)

// GiveWay is for background work sharing the process with serving (a
// training job's kernels call it between chunks, see kernels.SetGiveWay):
// while images are being classified it waits, up to giveWayMax, so the
// requests have the cores; otherwise it only yields the processor.
func GiveWay() {
	for deadline := time.Now().Add(giveWayMax); serving.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(giveWayPoll)
	}
	runtime.Gosched()
}
