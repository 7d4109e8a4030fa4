package training

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line bar on a terminal with plain \r updates: epoch,
// share done, running loss, throughput and time left for the whole run.
type progress struct {
	w               io.Writer
	epochs, batches int // per run, per epoch
	start, lastDraw time.Time
	doneBefore      int // batches of earlier epochs
	epochStart      time.Time
	width           int // of the last line, to blank it out
}

func newProgress(w io.Writer, epochs, batches int) *progress {
	now := time.Now()
	return &progress{w: w, epochs: epochs, batches: batches, start: now, epochStart: now}
}

func (p *progress) startEpoch() { p.epochStart = time.Now() }

// update redraws the bar at most ten times a second.
func (p *progress) update(epoch, batch int, loss float64, images int) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.lastDraw) < 100*time.Millisecond && batch != p.batches {
		return
	}
	p.lastDraw = now
	const barLen = 24
	filled := barLen * batch / max(p.batches, 1)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", barLen-filled)
	elapsed := now.Sub(p.epochStart).Seconds()
	rate := float64(images) / max(elapsed, 1e-9)
	done := p.doneBefore + batch
	left := time.Duration(float64(now.Sub(p.start)) / float64(max(done, 1)) * float64(p.epochs*p.batches-done))
	p.draw(fmt.Sprintf("epoch %d/%d [%s] %3d%% loss %.4f %5.0f img/s ETA %s",
		epoch, p.epochs, bar, 100*batch/max(p.batches, 1), loss, rate, left.Round(time.Second)))
}

// line replaces the bar with a permanent line.
func (p *progress) line(s string) {
	if p.w == nil {
		return
	}
	p.draw(s)
	fmt.Fprintln(p.w)
	p.width = 0
}

func (p *progress) endEpoch() { p.doneBefore += p.batches }

func (p *progress) draw(s string) {
	pad := max(p.width-len(s), 0)
	fmt.Fprintf(p.w, "\r%s%s", s, strings.Repeat(" ", pad))
	p.width = len(s)
}
