package classification

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
)

// makeReady makes a stored model ready: served by every API process and worker
// beside the others. It is refused when the ready models would take more
// than MODEL_MEMORY_MB; when a process cannot load it, it is taken back
// and the answer says which process failed and why. rollout tells how far
// it got; a rollout still incomplete after MODEL_LOAD_WAIT stays ready
// (the late processes keep trying).
func (m *Module) makeReady(ctx context.Context, id string) (modelRecord, rollout, error) {
	rec, err := m.liveModel(ctx, id)
	if err != nil {
		return rec, rollout{}, err
	}
	since := time.Now().UTC()
	if !rec.Ready && !rec.IsActive {
		ok, err := m.store.setReady(ctx, rec.ID, m.memoryBudget())
		if err != nil {
			return rec, rollout{}, err
		}
		if !ok {
			return rec, rollout{}, m.overBudget(ctx, rec)
		}
		rec.Ready = true
		m.announce(ctx, rec.ID)
	}
	if err := m.sync(ctx); err != nil {
		return rec, rollout{}, err
	}
	r := m.presence.await(ctx, rec.ID, since, m.cfg.Model.LoadWait)
	if !m.serving.loaded(rec.ID) && len(r.Failed) == 0 {
		r.Failed = map[string]string{m.presence.id: m.failureOf(rec.ID)}
	}
	if len(r.Failed) > 0 {
		if !rec.IsActive {
			if _, err := m.store.unready(ctx, rec.ID); err != nil {
				return rec, r, err
			}
			m.announce(ctx, rec.ID)
			_ = m.sync(ctx)
		}
		return rec, r, apperr.New(apperr.Conflict, "model_unloadable", "the model cannot be served: "+describeFailures(r.Failed))
	}
	return rec, r, nil
}

// makeDefault makes a model the deployment's default, once every
// process serves it; until then (or if any cannot) the previous default
// keeps serving and nothing changes.
func (m *Module) makeDefault(ctx context.Context, id string) (modelRecord, error) {
	rec, r, err := m.makeReady(ctx, id)
	if err != nil {
		return rec, err
	}
	if !r.complete() {
		e := apperr.New(apperr.Unavailable, "model_loading", fmt.Sprintf(
			"%d of %d processes serve the model so far; the default did not change: retry shortly", r.Loaded, r.Processes))
		e.RetryAfter = time.Second
		return rec, e
	}
	now := time.Now().UTC()
	if err := m.store.activate(ctx, rec.ID, now); err != nil {
		return rec, err
	}
	rec.IsActive, rec.Ready, rec.ActivatedAt = true, true, &now
	m.announce(ctx, rec.ID)
	if err := m.sync(ctx); err != nil {
		return rec, err
	}
	return rec, nil
}

// unload stops serving a model everywhere. The default cannot be
// unloaded, nor a model a running batch is pinned to (its remaining
// photos would fail).
func (m *Module) unload(ctx context.Context, id string) (modelRecord, error) {
	rec, err := m.liveModel(ctx, id)
	if err != nil {
		return rec, err
	}
	if err := m.checkRemovable(ctx, rec); err != nil {
		return rec, err
	}
	ok, err := m.store.unready(ctx, rec.ID)
	if err != nil {
		return rec, err
	}
	if !ok {
		return rec, errIsDefault
	}
	rec.Ready = false
	m.announce(ctx, rec.ID)
	return rec, m.sync(ctx)
}

// remove unloads a model and removes its file. Its row stays (marked
// deleted) so history and batch results still name it.
func (m *Module) remove(ctx context.Context, id string) error {
	rec, err := m.unload(ctx, id)
	if err != nil {
		return err
	}
	if rec.Source != sourceUpload {
		return apperr.New(apperr.Conflict, "model_protected", "the "+rec.Source+" model is registered at every start; it cannot be deleted")
	}
	ok, err := m.store.markDeleted(ctx, rec.ID, time.Now().UTC())
	if err != nil {
		return err
	}
	if !ok { // made ready or default again meanwhile
		return apperr.New(apperr.Conflict, "model_in_use", "the model was loaded again meanwhile; unload it first")
	}
	if err := m.registry.files.Delete(ctx, rec.FileName); err != nil {
		m.log.Warn("removing a deleted model's file", "model", rec.ID, "error", err)
	}
	return nil
}

var errIsDefault = apperr.New(apperr.Conflict, "model_is_default", "this is the default model: activate another one first")

// checkRemovable refuses to take the default or a model running batches
// are pinned to out of service.
func (m *Module) checkRemovable(ctx context.Context, rec modelRecord) error {
	if rec.IsActive {
		return errIsDefault
	}
	if m.deps.ModelInUse == nil {
		return nil
	}
	n, err := m.deps.ModelInUse(ctx, rec.ID)
	if err != nil {
		return err
	}
	if n > 0 {
		return apperr.New(apperr.Conflict, "model_in_use", fmt.Sprintf("%d running batches are pinned to this model: wait for them or cancel them first", n))
	}
	return nil
}

// liveModel is a registered model that is not deleted.
func (m *Module) liveModel(ctx context.Context, id string) (modelRecord, error) {
	rec, err := m.store.model(ctx, id)
	if err == nil && rec.DeletedAt != nil {
		return rec, errModelNotFound
	}
	return rec, err
}

// overBudget explains a load refused for memory, with the figures.
func (m *Module) overBudget(ctx context.Context, rec modelRecord) error {
	used, err := m.store.readyMemory(ctx)
	if err != nil {
		return err
	}
	return apperr.New(apperr.Conflict, "model_memory_exceeded", fmt.Sprintf(
		"serving %s:%s needs %s in each process; the ready models already take %s of MODEL_MEMORY_MB (%s): unload one first",
		rec.Name, rec.Version, mb(rec.MemoryBytes), mb(used), mb(m.memoryBudget())))
}

// failureOf is why this process could not load a model.
func (m *Module) failureOf(id string) string {
	if set := m.serving.snapshot(); set != nil {
		if f, ok := set.failed[id]; ok {
			return f.Reason
		}
	}
	return "not loaded"
}

func describeFailures(failed map[string]string) string {
	var parts []string
	for _, proc := range slices.Sorted(maps.Keys(failed)) {
		parts = append(parts, "process "+proc+": "+failed[proc])
	}
	return strings.Join(parts, "; ")
}
