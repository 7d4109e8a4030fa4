package classification

import (
	"sync"
	"sync/atomic"

	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// served is one loaded model. Requests hold a reference for their whole
// life, so a model being replaced finishes every request it started and is
// closed only when the last one lets go: no request fails or mixes models
// during a swap.
type served struct {
	record  modelRecord
	meta    modelfile.Metadata
	engine  *inference.Engine
	labels  map[string]bool
	refs    atomic.Int64
	retired atomic.Bool
	once    sync.Once
}

func newServed(rec modelRecord, m *modelfile.Model, eng *inference.Engine) *served {
	s := &served{record: rec, meta: m.Meta, engine: eng, labels: map[string]bool{}}
	for _, l := range m.Meta.Labels {
		s.labels[l.Name] = true
	}
	return s
}

func (s *served) release() {
	if s.refs.Add(-1) == 0 && s.retired.Load() {
		s.close()
	}
}

func (s *served) close() { s.once.Do(s.engine.Close) }

// runtime holds the model in service.
type runtime struct {
	current atomic.Pointer[served]
}

// acquire returns the model in service with a reference the caller must
// release, or nil before the first model is loaded.
func (r *runtime) acquire() *served {
	for {
		s := r.current.Load()
		if s == nil {
			return nil
		}
		s.refs.Add(1)
		if r.current.Load() == s {
			return s
		}
		// Swapped between the load and the increment: that model may be
		// closing; take the new one.
		s.release()
	}
}

// swap puts next in service and retires the previous model, which closes
// once its last request is done.
func (r *runtime) swap(next *served) {
	prev := r.current.Swap(next)
	if prev == nil {
		return
	}
	prev.retired.Store(true)
	if prev.refs.Load() == 0 {
		prev.close()
	}
}

// activeID is the id of the model in service, "" before the first.
func (r *runtime) activeID() string {
	if s := r.current.Load(); s != nil {
		return s.record.ID
	}
	return ""
}

// close retires the model in service (at shutdown).
func (r *runtime) close() { r.swap(nil) }
