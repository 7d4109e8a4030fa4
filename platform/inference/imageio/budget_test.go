package imageio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGiantPhotosAreCostedFromTheHeader(t *testing.T) {
	png, err := Estimate(giantPNGBytes(), DefaultLimits(), 64)
	if err != nil {
		t.Fatal(err)
	}
	// Streamed: rows and the resize's 64-wide rows, not 320 MB of RGBA64.
	if !png.Streamed || png.BitDepth != 16 || png.Memory > 8<<20 || !png.Heavy() {
		t.Fatalf("16-bit PNG costed %+v; want streamed, 16-bit, under 8 MB, heavy", png)
	}
	full, err := Estimate(giantPNGBytes(), DefaultLimits(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(8 * giantPNGSide * giantPNGSide); full.Streamed || full.Memory < want {
		t.Fatalf("full decode costed %d bytes, png.Decode takes at least %d", full.Memory, want)
	}
	jpg, err := Estimate(giantJPEGBytes(), DefaultLimits(), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Decoded in full, 4:2:0 is 1.5 samples per pixel: 1.5 B of image and
	// 6 B of coefficients.
	px := int64(giantJPEGSide * giantJPEGSide)
	if !jpg.Progressive || jpg.Memory < 15*px/2 || jpg.Memory > DefaultDecodeMemory || !jpg.Heavy() {
		t.Fatalf("progressive JPEG costed %+v; want progressive, 7.5 B/px, within the default budget, heavy", jpg)
	}
	// For a 64x64 input it decodes at 1/8 (788x788), holding a few
	// coefficients a block: under 32 MB, and still heavy (every
	// coefficient is read).
	scaled, err := Estimate(giantJPEGBytes(), DefaultLimits(), 64)
	if err != nil {
		t.Fatal(err)
	}
	if scaled.Scale != 8 || scaled.Memory > 32<<20 || !scaled.Heavy() {
		t.Fatalf("progressive JPEG for a 64x64 input costed %+v; want 1/8 scale, under 32 MB, heavy", scaled)
	}
	small, err := Estimate(encode(t, FormatJPEG, quadrants(640, 480)), DefaultLimits(), 64)
	if err != nil || small.Heavy() || small.Progressive {
		t.Fatalf("ordinary photo costed %+v, %v", small, err)
	}
}

func TestPhotoAboveTheBudgetIsTooLargeWithItsFigures(t *testing.T) {
	lim := Limits{Budget: NewBudget(8<<20, 1)}
	_, err := Preprocess(giantJPEGBytes(), 64, 64, unitMean, unitStd, lim, make([]float32, 3*64*64))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	c, _ := Estimate(giantJPEGBytes(), DefaultLimits(), 64)
	for _, want := range []string{"6300x6300", "progressive", fmt.Sprintf("%d MB", mb(c.Memory)), "8 MB"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
	if s := lim.Budget.Stats(); s.Admitted != 0 || s.Peak != 0 {
		t.Fatalf("refused photo was accounted: %+v", s)
	}
}

// TestEightGiantPhotosNeverExceedTheBudget holds eight admissions of the
// attack's photos at once, as eight requests would: the accounted bytes
// never pass the limit, at most one giant decodes at a time, and the rest
// wait, then come back ErrBusy rather than queueing for ever.
func TestEightGiantPhotosNeverExceedTheBudget(t *testing.T) {
	b := NewBudget(DefaultDecodeMemory, 1)
	costs := make([]Cost, 8)
	for i := range costs {
		data := giantPNGBytes()
		if i%2 == 1 {
			data = giantJPEGBytes()
		}
		c, err := Estimate(data, DefaultLimits(), 64)
		if err != nil {
			t.Fatal(err)
		}
		costs[i] = c
	}
	hold := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var admitted, busy int
	for _, c := range costs {
		wg.Go(func() {
			release, err := b.admit(t.Context(), c, -1)
			if err != nil {
				t.Error(err)
				return
			}
			s := b.Stats()
			if s.InUse > s.Limit || s.Heavy > s.Slots {
				t.Errorf("admitted beyond the budget: %+v", s)
			}
			mu.Lock()
			admitted++
			mu.Unlock()
			<-hold
			release()
		})
	}
	waitFor(t, func(s BudgetStats) bool { return s.Admitted == 1 && s.Waiting == 7 }, b)
	// While the giants hold the budget, another giant is refused after a
	// brief wait and an ordinary photo goes through.
	if _, err := b.admit(t.Context(), costs[0], 20*time.Millisecond); !errors.Is(err, ErrBusy) {
		t.Fatalf("ninth giant: %v, want ErrBusy", err)
	} else {
		busy++
	}
	small := encode(t, FormatPNG, quadrants(300, 200))
	if _, err := Preprocess(small, 16, 16, unitMean, unitStd, Limits{Budget: b}, make([]float32, 3*16*16)); err != nil {
		t.Fatalf("ordinary photo while the giants wait: %v", err)
	}
	close(hold)
	wg.Wait()
	s := b.Stats()
	if admitted != 8 || busy != 1 || s.Refused != 1 || s.InUse != 0 || s.Heavy != 0 {
		t.Fatalf("admitted %d, busy %d, stats %+v", admitted, busy, s)
	}
	if s.Peak > s.Limit {
		t.Fatalf("peak %d above the limit %d", s.Peak, s.Limit)
	}
}

// TestGiantPhotosDecodeWithinTheBudget decodes the attack's photos for
// real, side by side, with an ordinary photo sent meanwhile.
func TestGiantPhotosDecodeWithinTheBudget(t *testing.T) {
	b := NewBudget(DefaultDecodeMemory, 1)
	lim := DefaultLimits()
	lim.Budget, lim.Wait = b, -1
	var wg sync.WaitGroup
	for _, data := range [][]byte{giantPNGBytes(), giantJPEGBytes()} {
		wg.Go(func() {
			dst := make([]float32, 3*64*64)
			info, err := Preprocess(data, 64, 64, unitMean, unitStd, lim, dst)
			if err != nil || info.Width != 6300 && info.Width != 6324 {
				t.Errorf("giant %+v: %v", info, err)
			}
		})
	}
	waitFor(t, func(s BudgetStats) bool { return s.Heavy == 1 }, b)
	got := make([]float32, 3*16*16)
	if _, err := Preprocess(encode(t, FormatJPEG, quadrants(320, 240)), 16, 16, unitMean, unitStd, Limits{Budget: b}, got); err != nil {
		t.Fatalf("ordinary photo while a giant decodes: %v", err)
	}
	if got[0] < 0.9 { // top-left quadrant is red
		t.Fatalf("ordinary photo's tensor starts %v", got[:3])
	}
	wg.Wait()
	if s := b.Stats(); s.Admitted != 3 || s.Peak > s.Limit || s.InUse != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestWaitEndsWithTheContext(t *testing.T) {
	b := NewBudget(1<<20, 1)
	release, err := b.admit(t.Context(), Cost{Memory: 1 << 20}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := b.admit(ctx, Cost{Memory: 1}, -1); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// waitFor polls the budget until cond holds (the goroutines under test
// reach their wait), failing after a generous while.
func waitFor(t *testing.T, cond func(BudgetStats) bool, b *Budget) {
	t.Helper()
	for range 3000 {
		if cond(b.Stats()) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("budget never reached the expected state: %+v", b.Stats())
}
