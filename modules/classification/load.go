package classification

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aquaml/aquaml/platform/inference"
)

// sync serves what the registry says: every ready model and the default.
// A model this process cannot load (a bad file, or beyond its memory
// budget) is left out and reported in its presence. The default moves
// only to a model loaded here: a process that cannot load the new default
// keeps serving the previous one.
func (m *Module) sync(ctx context.Context) error {
	recs, err := m.store.servedModels(ctx)
	if err != nil {
		return err
	}
	m.serveMu.Lock()
	defer m.serveMu.Unlock()
	cur := m.serving.snapshot()
	next := &servingSet{byID: map[string]*loadedModel{}, failed: map[string]loadFailure{}}
	var used int64
	keep := func(l *loadedModel) {
		next.byID[l.record.ID] = l
		used += l.memory
	}
	wantDefault := ""
	for _, rec := range recs {
		if rec.IsActive {
			wantDefault = rec.ID
		}
		if l := cur.get(rec.ID); l != nil {
			keep(l)
			continue
		}
		l, err := m.load(ctx, rec, used)
		if err != nil {
			next.failed[rec.ID] = loadFailure{Reason: err.Error(), At: time.Now().UTC()}
			m.log.Error("cannot serve a model here", "model", rec.ID, "name", rec.Name, "version", rec.Version, "error", err)
			continue
		}
		keep(l)
	}
	switch {
	case next.byID[wantDefault] != nil:
		next.def = next.byID[wantDefault]
	case cur != nil && cur.def != nil:
		keep(cur.def)
		next.def = cur.def
	default:
		// Nothing served yet and the default cannot be loaded: the model
		// this process registered itself at start.
		l, err := m.load(ctx, m.fallback, used)
		if err != nil {
			next.failed[m.fallback.ID] = loadFailure{Reason: err.Error(), At: time.Now().UTC()}
			break
		}
		keep(l)
		next.def = l
	}
	m.serving.publish(next)
	m.metrics.setModels(next)
	for id, l := range next.byID {
		if cur.get(id) == nil {
			m.log.Info("serving model", "id", id, "name", l.record.Name, "version", l.record.Version,
				"default", l == next.def, "memory_mb", l.memory>>20)
		}
	}
	m.presence.publish(ctx, next)
	return nil
}

// load reads a model and builds its engine, unless serving it would take
// this process past its memory budget given what it already serves.
func (m *Module) load(ctx context.Context, rec modelRecord, used int64) (*loadedModel, error) {
	model, err := m.registry.load(ctx, rec)
	if err != nil {
		return nil, err
	}
	need, err := inference.MemoryEstimate(model, m.engine)
	if err != nil {
		return nil, err
	}
	if budget := m.memoryBudget(); used+need > budget {
		return nil, fmt.Errorf("serving it needs %s beside %s already served, beyond MODEL_MEMORY_MB (%s)", mb(need), mb(used), mb(budget))
	}
	opts := m.engine
	name, version := rec.Name, rec.Version
	opts.OnBatch = func(size int, d time.Duration) { m.metrics.observeBatch(name, version, size, d) }
	eng, err := inference.New(model, opts)
	if err != nil {
		return nil, fmt.Errorf("classification: model %s: %w", rec.ID, err)
	}
	l := newLoadedModel(rec, model, eng)
	l.memory = need
	if rec.MemoryBytes != need {
		// Registered before memory was accounted, or under other engine
		// settings: the budget counts what it costs now.
		if err := m.store.setMemory(ctx, rec.ID, need); err != nil {
			m.log.Warn("recording a model's memory", "model", rec.ID, "error", err)
		}
	}
	return l, nil
}

// memoryBudget is MODEL_MEMORY_MB in bytes.
func (m *Module) memoryBudget() int64 { return m.cfg.Model.MemoryMB << 20 }

// failures describes the models this process could not load.
func (m *Module) failures() string {
	set := m.serving.snapshot()
	if set == nil || len(set.failed) == 0 {
		return "none"
	}
	var parts []string
	for _, id := range slices.Sorted(maps.Keys(set.failed)) {
		parts = append(parts, id+": "+set.failed[id].Reason)
	}
	return strings.Join(parts, "; ")
}

// mb prints bytes as whole megabytes, rounding up.
func mb(n int64) string { return fmt.Sprintf("%d MB", (n+(1<<20)-1)>>20) }
