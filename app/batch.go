package app

import (
	"context"

	"github.com/aquaml/aquaml/modules/batch"
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
	m, err := batch.New(batch.Deps{
		DB: a.DB.DB, Client: a.Queue.Client, Inspector: a.Queue.Inspector,
		Classifier:  a.classifier.Service(),
		RequireUser: a.RequireUser, RequireAdmin: a.RequireAdmin,
		Draining: a.draining.Load, Metrics: a.Metrics.Registry, Logger: a.log,
		Config: batch.Config{
			Batch: a.cfg.Batch, Webhook: a.cfg.Webhook, Retention: a.cfg.Retention,
			APIPrefix: a.cfg.API.V1Prefix, MaxFileBytes: a.cfg.HTTP.BodyLimit,
			// Two engine batches in flight per task keep the engine busy
			// while the next one gathers.
			Parallel: 2 * a.cfg.Model.BatchSize,
		},
	})
	if err != nil {
		return err
	}
	a.batches = m
	if a.mode.Worker {
		m.Tasks(a.Queue.Mux)
		a.startHooks = append(a.startHooks, m.Start, func(context.Context) error {
			a.classifier.StartRetention(a.cfg.Retention)
			return nil
		})
	}
	a.closers = append(a.closers, func() error { m.Close(); return nil })
	return nil
}
