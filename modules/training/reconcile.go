package training

import (
	"context"
	"fmt"
	"time"

	"github.com/aquaml/aquaml/platform/queue"
)

func (m *Module) reconcileLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(m.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := m.reconcile(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("reconciling training jobs", "error", err)
		}
	}
}

// reconcile hands back jobs whose worker died (their lease ran out) and
// gives a new task to queued jobs whose task will not run (Redis lost it,
// Asynq archived it, or it is held by a dead worker). Every step is
// guarded in SQL, so several workers' reconcilers may run at once.
func (m *Module) reconcile(ctx context.Context) error {
	now := time.Now().UTC()
	expired, err := m.store.expireLeases(ctx, now)
	if err != nil {
		return fmt.Errorf("expire leases: %w", err)
	}
	grace := min(5*time.Second, m.cfg.Lease)
	stale, err := m.store.staleQueued(ctx, now.Add(-grace), 100)
	if err != nil {
		return fmt.Errorf("find queued jobs: %w", err)
	}
	requeued := 0
	for _, j := range stale {
		if j.TaskID != "" {
			alive, err := queue.TaskWillRun(m.deps.Inspector, Queue, j.TaskID, time.UnixMilli(j.EnqueuedAt), now, m.cfg.Lease)
			if err != nil {
				return err
			}
			if alive {
				continue
			}
		}
		id := taskID(j.ID)
		moved, err := m.store.retask(ctx, j.ID, j.TaskID, id, now)
		if err != nil {
			return fmt.Errorf("retask: %w", err)
		}
		if !moved {
			continue
		}
		if err := m.enqueue(ctx, j.ID, id); err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		requeued++
	}
	if expired > 0 || requeued > 0 {
		m.log.Info("reconciled training jobs", "leases_expired", expired, "tasks_requeued", requeued)
	}
	return nil
}
