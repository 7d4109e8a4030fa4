package batch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Task types this module owns. Payloads carry ids only: the database says
// what there is to do.
const (
	taskChunk   = "batch:chunk"
	taskWebhook = "batch:webhook"
)

type chunkPayload struct {
	BatchID string `json:"batch_id"`
	Chunk   int    `json:"chunk"`
}

type webhookPayload struct {
	BatchID string `json:"batch_id"`
	Attempt int    `json:"attempt"`
}

// chunkTaskID names a chunk's task. The suffix makes a re-enqueued task a
// new one while the lost one may still linger in a dead worker's list.
func chunkTaskID(batchID string, chunk int, suffix string) string {
	return fmt.Sprintf("batch:%s:%d:%s", batchID, chunk, suffix)
}

func newSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// webhookTaskID is one per attempt, so a reconciler re-enqueueing an
// attempt that is still queued is refused by Asynq as a duplicate.
func webhookTaskID(batchID string, attempt int) string {
	return fmt.Sprintf("webhook:%s:%d", batchID, attempt)
}

// enqueueChunk puts a chunk's task on the queue. A task id already taken
// means the task is there: nothing to do.
func (m *Module) enqueueChunk(ctx context.Context, batchID string, chunk int, taskID string) error {
	payload, _ := json.Marshal(chunkPayload{BatchID: batchID, Chunk: chunk})
	_, err := m.deps.Client.EnqueueContext(ctx, asynq.NewTask(taskChunk, payload),
		asynq.Queue(ChunkQueue), asynq.TaskID(taskID), asynq.MaxRetry(maxAttempts),
		asynq.Timeout(max(10*time.Minute, 3*m.cfg.Lease)))
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

// enqueueWebhook schedules attempt n of a batch's webhook.
func (m *Module) enqueueWebhook(ctx context.Context, batchID string, attempt int, in time.Duration) error {
	payload, _ := json.Marshal(webhookPayload{BatchID: batchID, Attempt: attempt})
	_, err := m.deps.Client.EnqueueContext(ctx, asynq.NewTask(taskWebhook, payload),
		asynq.Queue(WebhookQueue), asynq.TaskID(webhookTaskID(batchID, attempt)), asynq.MaxRetry(0),
		asynq.ProcessIn(in), asynq.Timeout(m.cfg.Webhook.Timeout+30*time.Second))
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

// handleChunk classifies the items of one chunk. Work it cannot finish
// (the engine is busy, the process is stopping) goes back to the queue;
// the task then fails so Asynq retries it.
func (m *Module) handleChunk(ctx context.Context, t *asynq.Task) error {
	var p chunkPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.BatchID == "" {
		return fmt.Errorf("batch: bad chunk payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	token := newToken()
	now := time.Now().UTC()
	held, b, gaveUp, found, err := m.store.claim(ctx, p.BatchID, p.Chunk, token, m.worker, now, m.cfg.Lease)
	if err != nil {
		return fmt.Errorf("batch %s chunk %d: claim: %w", p.BatchID, p.Chunk, err)
	}
	if !found {
		return nil // deleted meanwhile
	}
	m.metrics.items.WithLabelValues(itemFailed).Add(float64(gaveUp))
	if len(held) == 0 {
		// Another delivery of this task did the work; the batch may
		// still need ending if that worker died before it could.
		return m.endIfDone(ctx, b.ID)
	}
	applied, err := m.process(ctx, b, token, held)
	if err != nil {
		return fmt.Errorf("batch %s chunk %d: write results: %w", b.ID, p.Chunk, err)
	}
	if applied[itemQueued] > 0 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("batch %s chunk %d: %d photos handed back for a retry", b.ID, p.Chunk, applied[itemQueued])
	}
	// The batch may end even if this task's context just did.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return m.endIfDone(wctx, b.ID)
}

// endIfDone ends the batch if no work is left, and announces it.
func (m *Module) endIfDone(ctx context.Context, id string) error {
	now := time.Now().UTC()
	ok, err := m.store.markEnded(ctx, id, now)
	if err != nil || !ok {
		return err
	}
	m.announceEnd(ctx, id)
	return nil
}

// announceEnd runs once per batch, in the process that ended it: the duration
// metric and the first webhook attempt (the reconciler re-sends it if this
// enqueue is lost).
func (m *Module) announceEnd(ctx context.Context, id string) {
	b, err := m.store.get(ctx, id)
	if err != nil {
		m.log.Warn("reading an ended batch", "batch", id, "error", err)
		return
	}
	if b.FinishedAt != nil {
		m.metrics.duration.Observe(b.FinishedAt.Sub(b.CreatedAt).Seconds())
	}
	m.metrics.batches.WithLabelValues(b.Status).Inc()
	m.log.Info("batch ended", "batch", id, "status", b.Status, "total", b.Total)
	if b.WebhookState == webhookPending {
		if err := m.enqueueWebhook(ctx, id, b.WebhookAttempts+1, 0); err != nil {
			m.log.Warn("enqueueing a webhook; the reconciler will retry", "batch", id, "error", err)
		}
	}
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
