package classification

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aquaml/aquaml/platform/inference"
	"github.com/redis/rueidis"
)

// activationChannel carries the id of a newly activated model to every
// replica and worker sharing the Redis.
const activationChannel = "aquaml:models:activated"

// Start registers the default model (the bundled one, or MODEL_PATH),
// activates it when no model is active yet, puts the active model in
// service and then follows activations made by any replica.
func (m *Module) Start(ctx context.Context) error {
	def, err := m.registerDefault(ctx)
	if err != nil {
		return err
	}
	active, ok, err := m.store.activeModel(ctx)
	if err != nil {
		return err
	}
	if !ok {
		if err := m.store.activate(ctx, def.ID, time.Now().UTC()); err != nil {
			return err
		}
		active = def
	}
	if err := m.serve(ctx, active); err != nil {
		m.log.Error("the active model cannot be loaded here; serving the default model", "model", active.ID, "error", err)
		if err := m.serve(ctx, def); err != nil {
			return err
		}
	}
	fctx, cancel := context.WithCancel(context.Background())
	m.stop, m.done = cancel, make(chan struct{})
	go m.follow(fctx)
	return nil
}

func (m *Module) registerDefault(ctx context.Context) (modelRecord, error) {
	if m.cfg.Model.Path == "" {
		rec, _, err := m.registry.register(ctx, m.deps.Bundled.File, sourceBundled, nil, m.deps.Bundled.Card)
		if err != nil {
			return rec, fmt.Errorf("classification: bundled model: %w", err)
		}
		return rec, nil
	}
	data, err := os.ReadFile(m.cfg.Model.Path)
	if err != nil {
		return modelRecord{}, fmt.Errorf("classification: MODEL_PATH: %w", err)
	}
	rec, _, err := m.registry.register(ctx, data, sourcePath, nil, "")
	if err != nil {
		return rec, fmt.Errorf("classification: MODEL_PATH %s: %w", m.cfg.Model.Path, err)
	}
	return rec, nil
}

// serve loads rec and swaps it in, unless it is already in service.
func (m *Module) serve(ctx context.Context, rec modelRecord) error {
	m.serveMu.Lock()
	defer m.serveMu.Unlock()
	if m.serving.activeID() == rec.ID {
		return nil
	}
	model, err := m.registry.load(ctx, rec)
	if err != nil {
		return err
	}
	eng, err := inference.New(model, m.engine)
	if err != nil {
		return fmt.Errorf("classification: model %s: %w", rec.ID, err)
	}
	m.serving.swap(newLoadedModel(rec, model, eng))
	m.metrics.setModel(rec.Name, rec.Version)
	m.log.Info("serving model", "id", rec.ID, "name", rec.Name, "version", rec.Version)
	return nil
}

// follow listens for activations over Redis and, as a fallback for
// missed messages or a Redis outage, re-reads the database periodically.
func (m *Module) follow(ctx context.Context) {
	defer close(m.done)
	go m.listen(ctx)
	interval := m.cfg.Model.SyncInterval
	if interval <= 0 {
		interval = 15 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.syncActive(ctx)
		}
	}
}

func (m *Module) listen(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		// A subscribed connection can do nothing else under RESP2 (the
		// in-process Redis), so the subscription gets its own connection.
		dc, release := m.deps.Redis.Dedicate()
		err := dc.Receive(ctx, dc.B().Subscribe().Channel(activationChannel).Build(),
			func(rueidis.PubSubMessage) { m.syncActive(ctx) })
		release()
		if ctx.Err() != nil {
			return
		}
		m.log.Warn("model activation channel lost; relying on the periodic check", "error", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// syncActive serves whatever the database says is active.
func (m *Module) syncActive(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rec, ok, err := m.store.activeModel(ctx)
	if err != nil || !ok || rec.ID == m.serving.activeID() {
		return
	}
	if err := m.serve(ctx, rec); err != nil {
		m.log.Error("cannot switch to the active model", "model", rec.ID, "error", err)
	}
}

// announce tells every process to switch now; the periodic check covers a
// failed announcement.
func (m *Module) announce(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := m.deps.Redis.Do(ctx, m.deps.Redis.B().Publish().Channel(activationChannel).Message(id).Build()).Error(); err != nil {
		m.log.Warn("announcing the active model failed; others switch at their next check", "error", err)
	}
}
