package kernels

// freeList recycles values of type T. Unlike sync.Pool it never drops what it
// holds at a garbage collection, so scratch buffers and task records are allocated
// once and steady-state calls allocate nothing.
type freeList[T any] struct {
	ch    chan *T
	fresh func() *T
}

func newFreeList[T any](size int, fresh func() *T) *freeList[T] {
	return &freeList[T]{ch: make(chan *T, size), fresh: fresh}
}

func (f *freeList[T]) get() *T {
	select {
	case v := <-f.ch:
		return v
	default:
		return f.fresh()
	}
}

func (f *freeList[T]) put(v *T) {
	select {
	case f.ch <- v:
	default: // full: more goroutines than expected ran at once; let this one go
	}
}
