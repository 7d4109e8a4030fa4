package batch

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// submit accepts a batch. Every photo is stored and every item written
// (in one transaction) before the 202: nothing accepted can be lost. The
// tasks are enqueued after the commit; if Redis misses them, the
// reconciler enqueues them again.
func (m *Module) submit(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	// A full quota is refused before the body is read.
	used, err := m.store.usage(ctx, caller.ID)
	if err != nil {
		return err
	}
	limits := m.quota()
	if err := limits.check(used, usage{Batches: 1, Photos: 1}); err != nil {
		return err
	}
	id := uuid.Must(uuid.NewV7()).String()
	u := &upload{ctx: ctx, cfg: m.cfg, writer: newPhotoWriter(m.photos(id)), limits: limits, used: used}
	committed := false
	defer func() {
		if !committed {
			u.writer.wait() // no write may land after the removal
			os.RemoveAll(m.batchDir(id))
		}
	}()
	if err := u.read(c); err != nil {
		return err
	}
	if err := u.flush(); err != nil {
		return err
	}
	topK, err := m.validate(ctx, u)
	if err != nil {
		return err
	}
	// The exact version is fixed now: every photo is classified with it,
	// whatever becomes the default while the batch runs.
	model, err := m.deps.Classifier.Resolve(ctx, u.model)
	if err != nil {
		return err
	}
	if u.callback != "" {
		// The owner's signing secret is made now, so it can be read
		// (GET /batches/webhook-secret) before the first delivery.
		if _, err := m.ownerSecret(ctx, caller.ID); err != nil {
			return err
		}
	}

	now := time.Now().UTC()
	b := batchRow{ID: id, UserID: caller.ID, Name: u.name, Status: StatusQueued, TopK: topK, Total: len(u.items),
		ModelID: model.ID, ModelName: model.Name, ModelVersion: model.Version, Grouped: u.grouped(),
		StoredBytes: u.stored, CallbackURL: u.callback, WebhookState: webhookNone, CreatedAt: now}
	queued, failed := 0, 0
	for i := range u.items {
		it := &u.items[i]
		it.BatchID, it.Predictions = id, "[]"
		if it.Status != itemQueued {
			it.Chunk, it.FinishedAt = -1, &now
			failed++
			continue
		}
		it.Chunk = queued / m.cfg.ChunkSize
		it.TaskID, it.EnqueuedAt = chunkTaskID(id, it.Chunk, "0"), unixMS(now)
		queued++
	}
	if err := m.store.create(ctx, &b, u.items, limits); err != nil {
		return err
	}
	committed = true
	m.metrics.items.WithLabelValues(itemFailed).Add(float64(failed))

	// The batch is accepted: a client that hangs up now must not stop
	// its tasks from being enqueued.
	ctx = context.WithoutCancel(ctx)
	chunks := (queued + m.cfg.ChunkSize - 1) / m.cfg.ChunkSize
	waiting := false
	for chunk := range chunks {
		if err := m.enqueueChunk(ctx, id, chunk, chunkTaskID(id, chunk, "0")); err != nil {
			m.log.Warn("enqueueing a batch chunk; the reconciler will retry", "batch", id, "chunk", chunk, "error", err)
			waiting = true
			break
		}
	}
	if queued == 0 {
		if err := m.endIfDone(ctx, id); err != nil {
			return err
		}
	}
	m.log.Info("batch accepted", "batch", id, "user", caller.ID, "photos", queued, "rejected", failed)
	v, err := m.current(ctx, id)
	if err != nil {
		return err
	}
	if waiting {
		v.Notice = "the job queue is unreachable: the batch is stored and starts once the queue is back (workers retry every " +
			m.cfg.ReconcileInterval.String() + ")"
	}
	c.Response().Header().Set(echo.HeaderLocation, v.Links.Self)
	return c.JSON(http.StatusAccepted, v)
}

// validate checks the form fields once the body is read.
func (m *Module) validate(ctx context.Context, u *upload) (int, error) {
	fields := map[string]string{}
	topK := defaultTopK
	if u.topK != "" {
		n, err := strconv.Atoi(u.topK)
		if err != nil || n < 1 || n > maxTopK {
			fields["top_k"] = "must be an integer from 1 to 10"
		}
		topK = n
	}
	if utf8.RuneCountInString(u.name) > maxNameLen || !utf8.ValidString(u.name) {
		fields["name"] = "must be valid text of at most 200 characters"
	}
	if len(u.model) > maxModelRefLen {
		fields["model"] = "must be a model id, name or name:version of at most 200 characters"
	}
	if len(u.callback) > maxCallbackLen {
		fields["callback_url"] = "must be at most 2048 characters"
	}
	u.assignGroups(fields)
	if len(u.items) == 0 {
		fields["files"] = "send at least one photo (multipart field \"files\") or a zip archive of photos"
	}
	if len(fields) > 0 {
		return 0, apperr.Validation(fields)
	}
	if u.callback != "" {
		if err := m.webhooks.checkURL(ctx, u.callback); err != nil {
			return 0, err
		}
	}
	return topK, nil
}

// current reads a batch with its counts.
func (m *Module) current(ctx context.Context, id string) (batchView, error) {
	b, err := m.store.get(ctx, id)
	if err != nil {
		return batchView{}, err
	}
	cs, err := m.store.counts(ctx, id)
	if err != nil {
		return batchView{}, err
	}
	return m.view(b, cs[id]), nil
}
