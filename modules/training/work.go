package training

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/training"
)

// maxAttempts is how many times a job may be claimed: one that kills its
// worker every time fails with gave_up instead of going round forever.
const maxAttempts = 6

// Training recipe beyond what a request chooses: the settings of
// `aquaml train` that suit a few hundred photos.
const (
	learningRate   = 2e-3
	weightDecay    = 1e-4
	labelSmoothing = 0.05
	cacheBytes     = 256 << 20
)

var errBadDataset = errors.New("the dataset version cannot be trained on")

// jobDir holds a job's data and checkpoint until it ends.
func (m *Module) jobDir(id string) string { return filepath.Join(m.cfg.Dir, id) }

// train runs a claimed job. A job that cannot succeed is marked failed
// with its reason; a job this worker cannot finish (it is stopping) is
// handed back to the queue. Errors are left for Asynq to retry only when
// the database could not record either.
func (m *Module) train(ctx context.Context, j jobRow, token string) error {
	log := m.log.With("job", j.ID)
	if j.Attempts > maxAttempts {
		return m.failJob(ctx, j, token, "gave_up", fmt.Sprintf("no worker finished this job in %d attempts", maxAttempts))
	}
	var req jobRequest
	var labels []DatasetLabel
	if err := json.Unmarshal([]byte(j.Request), &req); err != nil {
		return m.failJob(ctx, j, token, "invalid_request", "the stored request is unreadable")
	}
	_ = json.Unmarshal([]byte(j.Labels), &labels)

	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var lost atomic.Bool     // cancelled, or taken over by another worker
	var stopping atomic.Bool // this process is shutting down
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.keepLease(jobCtx, j.ID, token, func() { lost.Store(true); cancel() }, func() { stopping.Store(true); cancel() })
	}()
	defer wg.Wait()
	defer cancel()

	res, err := m.run(jobCtx, j, token, req, labels)
	switch {
	case lost.Load():
		return m.letGo(ctx, j.ID)
	case ctx.Err() != nil || stopping.Load():
		// This worker is stopping: hand the job back at once, the next
		// worker resumes from the last checkpoint. Asynq does not wait
		// for a task past its shutdown timeout, so the job stops as soon
		// as the process starts draining.
		wctx, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer stop()
		if err := m.store.release(wctx, j.ID, token); err != nil {
			log.Warn("handing back a training job; its lease will run out", "error", err)
		} else {
			log.Info("training job handed back: this worker is stopping")
		}
		// Not an error: the reconciler gives the queued job a new task
		// at once, where an Asynq retry would wait its back-off.
		return nil
	case err != nil:
		code := "training_failed"
		if errors.Is(err, training.ErrOptions) || errors.Is(err, errBadDataset) {
			code = "dataset_unsuitable"
		}
		if e, ok := apperr.As(err); ok && e.Kind == apperr.NotFound {
			code = e.Code
		}
		log.Warn("training job failed", "error", err)
		return m.failJob(ctx, j, token, code, err.Error())
	}
	return m.finish(ctx, j, token, req, labels, res)
}

// leaseCheck is the longest a worker goes without looking at its job.
const leaseCheck = 2 * time.Second

// keepLease renews the lease a third of the way through it until ctx
// ends, calls lost once the job is no longer this token's, and stopping
// once the process drains.
//
// It renews at least every two seconds, more often than the lease needs:
// a renewal is also how the worker learns that the job was cancelled, and
// a cancelled job must stop using the CPU (and must not finish) promptly.
func (m *Module) keepLease(ctx context.Context, id, token string, lost, stopping func()) {
	t := time.NewTicker(min(m.cfg.Lease/3, leaseCheck))
	defer t.Stop()
	drain := time.NewTicker(200 * time.Millisecond)
	defer drain.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-drain.C:
			if m.deps.Draining() {
				stopping()
				return
			}
			continue
		case <-t.C:
		}
		ok, err := m.store.renew(ctx, id, token, time.Now().UTC().Add(m.cfg.Lease))
		if err != nil {
			if ctx.Err() == nil {
				m.log.Warn("renewing a training lease", "job", id, "error", err)
			}
			continue
		}
		if !ok {
			lost()
			return
		}
	}
}

// run lays out the data and trains, reporting every epoch.
func (m *Module) run(ctx context.Context, j jobRow, token string, req jobRequest, labels []DatasetLabel) (*training.Result, error) {
	dir := m.jobDir(j.ID)
	data, err := m.materialise(ctx, dir, j.DatasetVersion)
	if err != nil {
		return nil, err
	}
	o, err := m.options(ctx, j, req, labels, data)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	startEpoch := -1
	o.OnEpoch = func(h []training.EpochStats) {
		e := h[len(h)-1]
		if startEpoch < 0 {
			startEpoch = e.Epoch - 1
			if startEpoch > 0 {
				m.log.Info("training job resumed from its checkpoint", "job", j.ID, "after_epoch", startEpoch, "attempt", j.Attempts)
			}
		}
		history := make([]epochView, len(h))
		for i, s := range h {
			history[i] = epochOf(s)
		}
		done := e.Epoch - startEpoch
		eta := time.Since(started).Seconds() / float64(done) * epochsLeft(o, h)
		hj, _ := json.Marshal(history)
		m.recordProgress(ctx, j.ID, "training", func(ctx context.Context) error {
			return m.store.progress(ctx, j.ID, token, jobRow{
				Epoch: e.Epoch, Loss: e.TrainLoss, ValAccuracy: e.ValAccuracy, ValMacroF1: e.ValMacroF1,
				ImagesPerSec: e.ImagesPerSec, EtaSeconds: eta, History: string(hj),
			})
		})
	}
	refitTold := false
	o.OnRefitEpoch = func(epoch, epochs int, e training.EpochStats) {
		if !refitTold {
			refitTold = true
			if epoch > 1 {
				m.log.Info("training job resumed its refit from the checkpoint", "job", j.ID, "after_refit_epoch", epoch-1, "attempt", j.Attempts)
			}
		}
		eta := e.Seconds * float64(epochs-epoch)
		m.recordProgress(ctx, j.ID, "refit", func(ctx context.Context) error {
			return m.store.refitProgress(ctx, j.ID, token, epoch, epochs, e.ImagesPerSec, eta)
		})
	}
	return training.Run(ctx, o)
}

// recordProgress writes an epoch's progress even when the job is being
// stopped (the checkpoint already holds the epoch), within a bound of its
// own; a failed write is logged, never fatal to the run.
func (m *Module) recordProgress(ctx context.Context, id, what string, write func(context.Context) error) {
	wctx, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer stop()
	if err := write(wctx); err != nil {
		m.log.Warn("recording "+what+" progress", "job", id, "error", err)
	}
}

// options turns a job into the trainer's options.
func (m *Module) options(ctx context.Context, j jobRow, req jobRequest, labels []DatasetLabel, data string) (training.Options, error) {
	size, fields := req.normalise(m.cfg.MaxEpochs)
	if len(fields) > 0 {
		return training.Options{}, fmt.Errorf("%w: %v", errBadDataset, fields)
	}
	batch := training.BatchForFolder(data, req.Validation.Fraction)
	o := training.Options{
		TrainDir: data, ValFraction: req.Validation.Fraction, GroupRegex: groupRegex(req),
		Arch: req.Architecture, Size: size.width, Height: size.height, Epochs: req.Epochs, BatchSize: batch,
		LearningRate: learningRate, WeightDecay: weightDecay, LabelSmoothing: labelSmoothing,
		Recipe: req.trainingRecipe(), Seed: *req.Seed,
		Name: "trained-" + j.ID[:8], Version: "1", Command: reproduce(j, req, batch),
		Labels: map[string]modelfile.Label{}, Workers: m.cfg.Threads, Threads: m.cfg.Threads, CacheBytes: cacheBytes,
		Checkpoint: filepath.Join(m.jobDir(j.ID), "checkpoint"),
	}
	for _, l := range labels {
		o.Labels[l.Name] = modelfile.Label{Name: l.Name, ScientificName: l.ScientificName, CommonName: l.CommonName}
	}
	if req.Base != defaultBase {
		file, err := m.deps.Models.ModelFile(ctx, req.Base)
		if err != nil {
			return o, fmt.Errorf("reading the base model %s: %w", req.Base, err)
		}
		if o.Base, err = modelfile.Read(bytes.NewReader(file)); err != nil {
			return o, fmt.Errorf("%w: the base model %s: %v", errBadDataset, req.Base, err)
		}
	}
	return o, nil
}

// groupRegex is the request's, or the items' own groups by default.
func groupRegex(req jobRequest) string {
	if req.Validation.GroupBy != "" {
		return req.Validation.GroupBy
	}
	return `^([^~]+)~`
}

// finish registers the model and ends the job, unless the job was
// cancelled (or taken over) while its last epochs ran: its owner asked for
// no model.
func (m *Module) finish(ctx context.Context, j jobRow, token string, req jobRequest, labels []DatasetLabel, res *training.Result) error {
	if ok, err := m.store.renew(ctx, j.ID, token, time.Now().UTC().Add(m.cfg.Lease)); err == nil && !ok {
		return m.letGo(ctx, j.ID)
	}
	data, err := finalModel(m.jobDir(j.ID), res.Model)
	if err != nil {
		return m.failJob(ctx, j, token, "training_failed", err.Error())
	}
	card := modelCard(j, req, res)
	ref, err := m.deps.Models.RegisterModel(ctx, data, j.UserID, card)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // retried: the checkpoint holds the last epoch
		}
		return m.failJob(ctx, j, token, "registration_failed", "registering the model: "+err.Error())
	}
	report, _ := json.Marshal(reportOf(res))
	ok, err := m.store.complete(ctx, j.ID, token, ref.ID, string(report), card, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("training job %s: complete: %w", j.ID, err)
	}
	if !ok {
		// Cancelled in the milliseconds the registration took.
		m.log.Warn("training job ended while its model was registered; the model stays, not loaded", "job", j.ID, "model", ref.ID)
		return m.letGo(ctx, j.ID)
	}
	m.log.Info("training job completed", "job", j.ID, "model", ref.ID, "macro_f1", res.Validation.MacroF1)
	m.cleanup(j.ID)
	return nil
}

// letGo ends this worker's part in a job that is no longer its own: a
// cancelled job's folder goes, a taken-over one's stays for its new worker.
func (m *Module) letGo(ctx context.Context, id string) error {
	m.log.Info("training job stopped: cancelled or taken over", "job", id)
	if now, err := m.store.get(context.WithoutCancel(ctx), id); err == nil && now.Status == StatusCancelled {
		m.cleanup(id)
	}
	return nil
}

// failJob ends the job with its reason (the task is not retried).
func (m *Module) failJob(ctx context.Context, j jobRow, token, code, reason string) error {
	wctx, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer stop()
	// The folder goes first: a failed job has nothing to resume, and a
	// client that sees it failed sees it cleaned up.
	m.cleanup(j.ID)
	if err := m.store.fail(wctx, j.ID, token, code, reason, time.Now().UTC()); err != nil {
		return fmt.Errorf("training job %s: fail: %w", j.ID, err)
	}
	return nil
}

// cleanup removes an ended job's data and checkpoint.
func (m *Module) cleanup(id string) {
	if err := os.RemoveAll(m.jobDir(id)); err != nil {
		m.log.Warn("removing a training job's folder", "job", id, "error", err)
	}
}

// epochsLeft is the run's remaining work in held-out epochs: those not
// run yet and, with Refit, the whole run again on the validation photos
// too (fewer if patience stops the run early, which cannot be foreseen).
func epochsLeft(o training.Options, h []training.EpochStats) float64 {
	left := float64(o.Epochs - h[len(h)-1].Epoch)
	if o.Refit {
		left += float64(o.Epochs) / (1 - o.ValFraction)
	}
	return left
}
