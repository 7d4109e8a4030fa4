package dataset

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// Iterator yields the batches of one epoch, preparing the next ones in the
// background while the caller trains on the current one. It is not safe for
// concurrent use.
type Iterator struct {
	ctx    context.Context
	cancel context.CancelFunc
	ready  chan *batch
	free   chan *batch
	done   chan struct{}
	once   sync.Once
	size   int // values per batch
	batch  int // samples per batch
	err    error
}

type batch struct {
	x      []float32
	labels []int
	n      int
	err    error
}

// Epoch starts producing the batches of epoch. The caller must Close the
// iterator (after io.EOF too) to stop its goroutines.
func (l *Loader) Epoch(ctx context.Context, epoch int) *Iterator {
	ctx, cancel := context.WithCancel(ctx)
	c := &l.cfg
	order := EpochOrder(l.folder, c.Sampling, c.Seed, epoch)
	if c.DropLast {
		order = order[:len(order)/c.BatchSize*c.BatchSize]
	}
	sample := c.sampleLen()
	it := &Iterator{
		ctx: ctx, cancel: cancel,
		ready: make(chan *batch, c.Prefetch),
		free:  make(chan *batch, c.Prefetch+1),
		done:  make(chan struct{}),
		size:  c.BatchSize * sample, batch: c.BatchSize,
	}
	for range c.Prefetch + 1 {
		it.free <- &batch{x: make([]float32, it.size), labels: make([]int, c.BatchSize)}
	}
	go l.produce(ctx, epoch, order, it)
	return it
}

// Next copies the next batch into x (at least BatchSize*3*Height*Size
// values, laid out [B,3,H,W]) and labels (at least BatchSize), and returns how many
// samples it holds. In a final partial batch the unused rows of x are zero
// and their labels -1. At the end of the epoch it returns 0, io.EOF.
func (it *Iterator) Next(x []float32, labels []int) (int, error) {
	if it.err == nil {
		it.err = it.ctx.Err() // closed or cancelled
	}
	if it.err != nil {
		return 0, it.err
	}
	if len(x) < it.size || len(labels) < it.batch {
		return 0, fmt.Errorf("%w: batch buffers hold %d values and %d labels, need %d and %d", ErrBadArgument, len(x), len(labels), it.size, it.batch)
	}
	select {
	case b, ok := <-it.ready:
		switch {
		case !ok && it.ctx.Err() != nil:
			it.err = it.ctx.Err()
		case !ok:
			it.err = io.EOF
		case b.err != nil:
			it.err = b.err
		default:
			copy(x, b.x)
			copy(labels, b.labels)
			n := b.n
			it.free <- b
			return n, nil
		}
	case <-it.ctx.Done():
		it.err = it.ctx.Err()
	}
	return 0, it.err
}

// Close stops the background work and waits for it to finish.
func (it *Iterator) Close() {
	it.once.Do(func() {
		it.cancel()
		<-it.done
	})
}

// produce fills batches in order with a pool of workers. Each sample's
// content depends only on (seed, epoch, position), never on which worker
// handles it or when.
func (l *Loader) produce(ctx context.Context, epoch int, order []int, it *Iterator) {
	defer close(it.done)
	defer close(it.ready)
	c := &l.cfg
	sample := c.sampleLen()
	type job struct {
		b        *batch
		slot     int
		pos, idx int
		errs     []error
		wg       *sync.WaitGroup
	}
	jobs := make(chan job, c.BatchSize)
	var workers sync.WaitGroup
	for range c.Workers {
		workers.Go(func() {
			for j := range jobs {
				j.b.labels[j.slot] = l.folder.Samples[j.idx].Label
				j.errs[j.slot] = l.fill(epoch, j.pos, j.idx, j.b.x[j.slot*sample:(j.slot+1)*sample])
				j.wg.Done()
				if c.Yield != nil {
					c.Yield()
				}
			}
		})
	}
	defer func() {
		close(jobs)
		workers.Wait()
	}()

	for start := 0; start < len(order); start += c.BatchSize {
		var b *batch
		select {
		case b = <-it.free:
		case <-ctx.Done():
			return
		}
		b.n = min(c.BatchSize, len(order)-start)
		errs := make([]error, b.n)
		var wg sync.WaitGroup
		wg.Add(b.n)
		for slot := range b.n {
			jobs <- job{b: b, slot: slot, pos: start + slot, idx: order[start+slot], errs: errs, wg: &wg}
		}
		wg.Wait()
		b.err = nil
		for _, err := range errs {
			if err != nil {
				b.err = err // the lowest slot's error, whatever the timing
				break
			}
		}
		clear(b.x[b.n*sample:])
		for i := b.n; i < len(b.labels); i++ {
			b.labels[i] = -1
		}
		select {
		case it.ready <- b:
		case <-ctx.Done():
			return
		}
		if b.err != nil {
			return
		}
	}
}
