package app

import (
	"context"
	"errors"

	"github.com/aquaml/aquaml/modules/batch"
	"github.com/aquaml/aquaml/platform/inference/imageio"
)

// queues is the worker's queue configuration: the batch module's queues
// beside the default one.
func queues() map[string]int {
	q := batch.Queues()
	q["default"] = 1
	return q
}

// batchEventsRoute is the event stream's route template; the gzip writer
// must not buffer it.
func (a *App) batchEventsRoute() string { return a.cfg.API.V1Prefix + "/batches/:id/events" }

// mountBatch builds the batch module in every process: API processes
// serve its routes (mounted with the others), worker processes run its
// tasks and its reconciler.
func (a *App) mountBatch() error {
	b, w := a.cfg.Batch, a.cfg.Webhook
	m, err := batch.New(batch.Deps{
		DB: a.DB.DB, Client: a.Queue.Client, Inspector: a.Queue.Inspector,
		Classify:    a.classifyForBatch,
		RequireUser: a.RequireUser, RequireAdmin: a.RequireAdmin,
		Draining: a.draining.Load, Metrics: a.Metrics.Registry, Logger: a.log,
		Config: batch.Config{
			Dir: b.Dir, APIPrefix: a.cfg.API.V1Prefix,
			MaxImages: b.MaxImages, MaxFileBytes: a.cfg.HTTP.BodyLimit, MaxUnzipped: b.MaxUnzipped,
			// Two engine batches in flight per task keep the engine busy
			// while the next one gathers.
			ChunkSize: b.ChunkSize, Parallel: 2 * a.cfg.Model.BatchSize,
			Lease: b.Lease, ReconcileInterval: b.ReconcileInterval,
			Webhook: batch.WebhookConfig{
				AllowPrivate: w.AllowPrivate, Timeout: w.Timeout, MaxAttempts: w.MaxAttempts,
				RetryBase: w.RetryBase, SecretKey: a.cfg.Auth.SecretKey,
			},
		},
	})
	if err != nil {
		return err
	}
	a.batches = m
	if a.mode.Worker {
		m.Tasks(a.Queue.Mux)
		a.startHooks = append(a.startHooks, m.Start)
	}
	a.closers = append(a.closers, func() error { m.Close(); return nil })
	return nil
}

// classifyForBatch hands a batch photo to the classification module and
// translates its answer: the photo's own faults fail the item, anything
// else (overload, a model swap) is retried by the batch module.
func (a *App) classifyForBatch(ctx context.Context, data []byte, topK int) (batch.Classified, error) {
	res, served, err := a.classifier.Classify(ctx, data, topK)
	if err != nil {
		return batch.Classified{}, photoError(err)
	}
	out := batch.Classified{
		Model:   batch.ModelRef{ID: served.ID, Name: served.Name, Version: served.Version},
		Unknown: res.Unknown, Width: res.Image.Width, Height: res.Image.Height, Format: res.Image.Format,
	}
	for _, p := range res.Predictions {
		out.Predictions = append(out.Predictions, batch.Prediction{
			Label: p.Label, ScientificName: p.ScientificName, CommonName: p.CommonName, Confidence: p.Confidence})
	}
	return out, nil
}

func photoError(err error) error {
	switch {
	case errors.Is(err, imageio.ErrUnsupportedFormat):
		return &batch.ImageError{Code: "unsupported_image", Message: "not an image in a supported format (JPEG, PNG, GIF, BMP, WebP)", Err: err}
	case errors.Is(err, imageio.ErrTooLarge):
		return &batch.ImageError{Code: "image_too_large", Message: "the image has too many pixels", Err: err}
	case errors.Is(err, imageio.ErrCorrupt):
		return &batch.ImageError{Code: "corrupt_image", Message: "the image is truncated or corrupt", Err: err}
	}
	return err
}
