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
// reference for their whole life, so a model being replaced or unloaded
// finishes every request it started and is closed only when the last one
// lets go: no request fails or mixes models during a swap.
type loadedModel struct {
	record  modelRecord
	meta    modelfile.Metadata
	engine  *inference.Engine
	memory  int64 // estimated bytes this model costs the process
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

// retire closes the model once its last request is done.
func (l *loadedModel) retire() {
	l.retired.Store(true)
	if l.refs.Load() == 0 {
		l.close()
	}
}

// errModelNotLoaded is the one answer while no model is in service.
var errModelNotLoaded = apperr.New(apperr.Unavailable, "model_not_loaded", "the model is still loading; retry shortly")

// servingSet is what a process serves at one moment: every loaded model
// and the default. It is never changed once published.
type servingSet struct {
	byID map[string]*loadedModel
	def  *loadedModel
	// failed holds why each model this process should serve is not
	// loaded here.
	failed map[string]loadFailure
}

// get is the loaded model with this id, nil when not loaded (or no set).
func (s *servingSet) get(id string) *loadedModel {
	if s == nil {
		return nil
	}
	return s.byID[id]
}

// find returns the loaded model ref names: its id, name:version, or name
// (the default when it has that name, else the newest ready version);
// empty is the default.
func (s *servingSet) find(ref string) *loadedModel {
	if s == nil {
		return nil
	}
	if ref == "" {
		return s.def
	}
	if l := s.byID[ref]; l != nil {
		return l
	}
	if s.def != nil && (ref == s.def.record.Name || ref == s.def.record.Name+":"+s.def.record.Version) {
		return s.def
	}
	var best *loadedModel
	for _, l := range s.byID {
		r := l.record
		switch {
		case ref == r.Name+":"+r.Version:
			return l
		case ref == r.Name && (best == nil || r.CreatedAt.After(best.record.CreatedAt)):
			best = l
		}
	}
	return best
}

// failedOf is why this process could not load a model, if it tried.
func (s *servingSet) failedOf(id string) (string, bool) {
	if s == nil {
		return "", false
	}
	f, ok := s.failed[id]
	return f.Reason, ok
}

// serving holds the models in service in this process. Readers take the
// published set without locks; changes are serialised by the caller.
type serving struct {
	current atomic.Pointer[servingSet]
}

// acquire returns the model ref names (see servingSet.find) with a
// reference the caller must release. Before the first model is loaded it
// fails with errModelNotLoaded; a model this process does not serve is
// model_not_found (the caller may know better from the registry).
func (s *serving) acquire(ref string) (*loadedModel, error) {
	for {
		set := s.current.Load()
		if set == nil || set.def == nil {
			return nil, errModelNotLoaded
		}
		l := set.find(ref)
		if l == nil {
			return nil, apperr.New(apperr.NotFound, "model_not_found", "no model "+strconv.Quote(ref)+" is served")
		}
		l.refs.Add(1)
		if !l.retired.Load() {
			return l, nil
		}
		// Unloaded between the lookup and the increment: that model may
		// be closing; look again in the newer set.
		l.release()
	}
}

// publish makes next the served set and retires every model of the
// previous set that next no longer holds.
func (s *serving) publish(next *servingSet) {
	prev := s.current.Swap(next)
	if prev == nil {
		return
	}
	for id, l := range prev.byID {
		if next == nil || next.byID[id] != l {
			l.retire()
		}
	}
}

// snapshot is the set served now (nil before the first load).
func (s *serving) snapshot() *servingSet { return s.current.Load() }

// defaultID is the id of the default model in service, "" before the
// first.
func (s *serving) defaultID() string {
	if set := s.current.Load(); set != nil && set.def != nil {
		return set.def.record.ID
	}
	return ""
}

// loaded reports whether this process serves the model.
func (s *serving) loaded(id string) bool { return s.current.Load().get(id) != nil }

// close retires every model (at shutdown).
func (s *serving) close() { s.publish(nil) }
