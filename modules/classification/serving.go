package classification

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// loadedModel is a registered model with its engine. Requests hold a
// reference for their whole life, so a model being replaced finishes every
// request it started and is closed only when the last one lets go: no
// request fails or mixes models during a swap.
type loadedModel struct {
	record  modelRecord
	meta    modelfile.Metadata
	engine  *inference.Engine
	refs    atomic.Int64
	retired atomic.Bool
	once    sync.Once
}

func newLoadedModel(rec modelRecord, m *modelfile.Model, eng *inference.Engine) *loadedModel {
	return &loadedModel{record: rec, meta: m.Meta, engine: eng}
}

// ref names the model in answers.
func (l *loadedModel) ref() inference.ModelRef {
	return inference.ModelRef{ID: l.record.ID, Name: l.record.Name, Version: l.record.Version}
}

func (l *loadedModel) release() {
	if l.refs.Add(-1) == 0 && l.retired.Load() {
		l.close()
	}
}

func (l *loadedModel) close() { l.once.Do(l.engine.Close) }

// errModelNotLoaded is the one answer while no model is in service.
var errModelNotLoaded = apperr.New(apperr.Unavailable, "model_not_loaded", "the model is still loading; retry shortly")

// serving holds the model in service in this process.
type serving struct {
	current atomic.Pointer[loadedModel]
}

// acquire returns the model ref names (its id, name or name:version;
// empty for the default) with a reference the caller must release. Before
// the first model is loaded it fails with errModelNotLoaded; a model not
// in service is model_not_found.
func (s *serving) acquire(ref string) (*loadedModel, error) {
	for {
		l := s.current.Load()
		if l == nil {
			return nil, errModelNotLoaded
		}
		if !l.matches(ref) {
			return nil, apperr.New(apperr.NotFound, "model_not_found", "no model "+strconv.Quote(ref)+" is in service")
		}
		l.refs.Add(1)
		if s.current.Load() == l {
			return l, nil
		}
		// Swapped between the load and the increment: that model may be
		// closing; take the new one.
		l.release()
	}
}

// matches reports whether ref names this model.
func (l *loadedModel) matches(ref string) bool {
	r := l.record
	return ref == "" || ref == r.ID || ref == r.Name || ref == r.Name+":"+r.Version
}

// swap puts next in service and retires the previous model, which closes
// once its last request is done.
func (s *serving) swap(next *loadedModel) {
	prev := s.current.Swap(next)
	if prev == nil {
		return
	}
	prev.retired.Store(true)
	if prev.refs.Load() == 0 {
		prev.close()
	}
}

// activeID is the id of the model in service, "" before the first.
func (s *serving) activeID() string {
	if l := s.current.Load(); l != nil {
		return l.record.ID
	}
	return ""
}

// close retires the model in service (at shutdown).
func (s *serving) close() { s.swap(nil) }
