package classification

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/redis/rueidis"
)

// changesChannel tells every replica and worker sharing the Redis that the
// models to serve changed (a load, an unload, a new default).
const changesChannel = "aquaml:models:changed"

// Start registers the default model (the bundled one, or MODEL_PATH),
// makes it the default when there is none yet, loads every model the
// registry says to serve and then follows changes made by any replica.
func (m *Module) Start(ctx context.Context) error {
	def, err := m.registerDefault(ctx)
	if err != nil {
		return err
	}
	if _, ok, err := m.store.activeModel(ctx); err != nil {
		return err
	} else if !ok {
		if err := m.store.activate(ctx, def.ID, time.Now().UTC()); err != nil {
			return err
		}
	}
	m.fallback = def
	if err := m.sync(ctx); err != nil {
		return err
	}
	if m.serving.defaultID() == "" {
		return fmt.Errorf("classification: no model could be loaded: %s", m.failures())
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

// follow listens for changes over Redis and, as a fallback for missed
// messages or a Redis outage, re-reads the registry periodically. It also
// keeps this process's presence (what it serves) fresh.
func (m *Module) follow(ctx context.Context) {
	defer close(m.done)
	go m.listen(ctx)
	interval := m.cfg.Model.SyncInterval
	if interval <= 0 {
		interval = 15 * time.Second
	}
	sync := time.NewTicker(interval)
	defer sync.Stop()
	beat := time.NewTicker(presenceInterval)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			m.presence.leave(context.WithoutCancel(ctx))
			return
		case <-sync.C:
			m.syncLogged(ctx)
		case <-beat.C:
			m.presence.publish(ctx, m.serving.snapshot())
		}
	}
}

func (m *Module) listen(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		// A subscribed connection can do nothing else under RESP2 (the
		// in-process Redis), so the subscription gets its own connection.
		dc, release := m.deps.Redis.Dedicate()
		err := dc.Receive(ctx, dc.B().Subscribe().Channel(changesChannel).Build(),
			func(rueidis.PubSubMessage) { m.syncLogged(ctx) })
		release()
		if ctx.Err() != nil {
			return
		}
		m.log.Warn("model change channel lost; relying on the periodic check", "error", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (m *Module) syncLogged(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := m.sync(ctx); err != nil && ctx.Err() == nil {
		m.log.Warn("cannot read the models to serve", "error", err)
	}
}

// announce tells every process to follow now; the periodic check covers a
// failed announcement.
func (m *Module) announce(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := m.deps.Redis.Do(ctx, m.deps.Redis.B().Publish().Channel(changesChannel).Message(id).Build()).Error(); err != nil {
		m.log.Warn("announcing a model change failed; others follow at their next check", "error", err)
	}
}
