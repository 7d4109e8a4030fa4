package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/aquaml/aquaml/platform/queue"
)

// orphanAge is how old a photo folder with no batch row must be before
// it is removed: younger ones may belong to an upload still being written.
const orphanAge = time.Hour

// inspectEvery is how many reconciler passes go by between two that ask
// Redis about every waiting chunk's task. The passes between only hand
// back expired leases and enqueue chunks that have no task: that is what
// a killed worker leaves, and it needs no Redis round trip per chunk, so
// a takeover stays within one short interval while a long backlog costs
// Redis little.
const inspectEvery = 10

func (m *Module) reconcileLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(m.cfg.ReconcileInterval)
	defer t.Stop()
	var lastSweep time.Time
	for pass := 1; ; pass++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := m.reconcilePass(ctx, pass%inspectEvery == 0); err != nil && ctx.Err() == nil {
			m.log.Warn("reconciling batches", "error", err)
		}
		if time.Since(lastSweep) > 10*time.Minute {
			lastSweep = time.Now()
			m.sweepOrphans(ctx)
		}
	}
}

// reconcile brings the queue back in line with the database: items whose
// worker died are handed back, chunks whose task Redis lost get a new
// one, batches whose last worker died before ending them are ended, and
// overdue webhooks are enqueued again. Every step is guarded in SQL, so
// the reconcilers of several workers may run at once.
func (m *Module) reconcile(ctx context.Context) error { return m.reconcilePass(ctx, true) }

// reconcilePass is reconcile; without inspect it leaves alone the chunks
// that still have a task (see inspectEvery).
func (m *Module) reconcilePass(ctx context.Context, inspect bool) error {
	now := time.Now().UTC()
	expired, err := m.store.expireLeases(ctx, now)
	if err != nil {
		return fmt.Errorf("expire leases: %w", err)
	}
	ids, err := m.store.unfinished(ctx, 100)
	if err != nil {
		return fmt.Errorf("find unfinished batches: %w", err)
	}
	for _, id := range ids {
		if err := m.endIfDone(ctx, id); err != nil {
			return fmt.Errorf("end batch %s: %w", id, err)
		}
	}
	requeued, err := m.requeueLost(ctx, now, inspect)
	if expired > 0 || requeued > 0 || len(ids) > 0 {
		m.log.Info("reconciled batches", "leases_expired", expired, "tasks_requeued", requeued, "batches_ended", len(ids))
	}
	if err != nil {
		return err
	}
	return m.resendWebhooks(ctx, now)
}

// grace is how long a freshly enqueued chunk is left alone: the submitter
// enqueues right after its commit.
func (m *Module) grace() time.Duration { return min(5*time.Second, m.cfg.Lease) }

// requeueLost enqueues a new task for every chunk with queued items whose
// task is not going to run: it has none (its worker's lease expired),
// Redis lost it, Asynq archived it, or it is held by a worker that has not
// claimed its items for a whole lease. Without inspect only the first
// kind is looked for.
func (m *Module) requeueLost(ctx context.Context, now time.Time, inspect bool) (int, error) {
	chunks, err := m.store.staleChunks(ctx, now.Add(-m.grace()), 500, !inspect)
	if err != nil {
		return 0, fmt.Errorf("find stale chunks: %w", err)
	}
	requeued := 0
	for _, c := range chunks {
		if c.TaskID != "" {
			alive, err := queue.TaskWillRun(m.deps.Inspector, ChunkQueue, c.TaskID, time.UnixMilli(c.EnqueuedAt), now, m.cfg.Lease)
			if err != nil {
				return requeued, err
			}
			if alive {
				continue
			}
		}
		id := chunkTaskID(c.BatchID, c.Chunk, newSuffix())
		moved, err := m.store.retask(ctx, c, id, now)
		if err != nil {
			return requeued, fmt.Errorf("retask chunk: %w", err)
		}
		if !moved {
			continue
		}
		if err := m.enqueueChunk(ctx, c.BatchID, c.Chunk, id); err != nil {
			return requeued, fmt.Errorf("enqueue chunk: %w", err)
		}
		requeued++
	}
	return requeued, nil
}

// resendWebhooks enqueues overdue webhook attempts again. An attempt's
// task id is fixed, so one still in the queue is not duplicated; one that
// Asynq archived (its worker died mid-delivery) is replaced.
func (m *Module) resendWebhooks(ctx context.Context, now time.Time) error {
	due, err := m.store.dueWebhooks(ctx, now.Add(-m.grace()), 100)
	if err != nil {
		return fmt.Errorf("find due webhooks: %w", err)
	}
	for _, b := range due {
		id := webhookTaskID(b.ID, b.WebhookAttempts+1)
		info, err := m.deps.Inspector.GetTaskInfo(WebhookQueue, id)
		switch {
		case err == nil && info.State == asynq.TaskStateArchived:
			if err := m.deps.Inspector.DeleteTask(WebhookQueue, id); err != nil {
				return fmt.Errorf("replace webhook task: %w", err)
			}
		case err == nil:
			continue
		case !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound):
			return fmt.Errorf("inspect webhook task: %w", err)
		}
		if err := m.enqueueWebhook(ctx, b.ID, b.WebhookAttempts+1, 0); err != nil {
			return fmt.Errorf("enqueue webhook: %w", err)
		}
	}
	return nil
}

// sweepOrphans removes photo folders left by an upload that died before
// its batch was committed, or by a delete that died after its commit.
func (m *Module) sweepOrphans(ctx context.Context) {
	entries, err := os.ReadDir(m.cfg.Dir)
	if err != nil {
		return // nothing stored yet
	}
	var ids []string
	for _, e := range entries {
		if _, err := uuid.Parse(e.Name()); err == nil && e.IsDir() {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > orphanAge {
				ids = append(ids, e.Name())
			}
		}
	}
	known, err := m.store.knownBatches(ctx, ids)
	if err != nil {
		m.log.Warn("sweeping batch folders", "error", err)
		return
	}
	for _, id := range ids {
		if !known[id] {
			if err := os.RemoveAll(filepath.Join(m.cfg.Dir, id)); err != nil {
				m.log.Warn("removing an orphaned batch folder", "batch", id, "error", err)
			}
		}
	}
}
