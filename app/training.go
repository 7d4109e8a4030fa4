package app

import (
	"context"
	"sync"

	"github.com/aquaml/aquaml/modules/training"
	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// dedicatedQueues are consumed apart from the others: each worker
// process trains one job at a time, without taking a slot from batches.
func dedicatedQueues() map[string]int { return map[string]int{training.Queue: 1} }

// trainingEventsRoute is the job event stream's route; the gzip writer
// must not buffer it.
func (a *App) trainingEventsRoute() string { return a.cfg.API.V1Prefix + "/training-jobs/:id/events" }

// datasetSource hands the training module the data sets it reads. It
// reads a.trainingData at each call, so the data sets can be set after the
// modules are built: the datasets module's adapter, once it is mounted,
// or a test's own.
type datasetSource struct {
	mu sync.RWMutex
	ds training.Datasets
}

func (s *datasetSource) get() training.Datasets {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ds
}

func (s *datasetSource) Version(ctx context.Context, id string) (training.DatasetVersion, error) {
	if ds := s.get(); ds != nil {
		return ds.Version(ctx, id)
	}
	return training.DatasetVersion{}, apperr.New(apperr.NotFound, "dataset_version_not_found", "no dataset version with this id")
}

func (s *datasetSource) Photo(ctx context.Context, sha256 string) ([]byte, error) {
	if ds := s.get(); ds != nil {
		return ds.Photo(ctx, sha256)
	}
	return nil, apperr.New(apperr.NotFound, "photo_not_found", "no dataset photo with this digest")
}

// UseDatasets sets the data sets training jobs read. The datasets
// module's adapter is set here when it is mounted; tests set their own.
func (a *App) UseDatasets(ds training.Datasets) {
	a.trainingData.mu.Lock()
	defer a.trainingData.mu.Unlock()
	a.trainingData.ds = ds
}

// mountTraining builds the training module in every process: API
// processes serve its routes, worker processes train.
func (a *App) mountTraining() error {
	m, err := training.New(training.Deps{
		DB: a.DB.DB, Client: a.Queue.Client, Inspector: a.Queue.Inspector,
		Datasets: &a.trainingData, Models: a.classifier,
		RequireUser: a.RequireUser, Draining: a.draining.Load, Logger: a.log,
		Config: training.Config{Training: a.cfg.Training, APIPrefix: a.cfg.API.V1Prefix},
	})
	if err != nil {
		return err
	}
	a.training = m
	if a.datasets != nil {
		a.UseDatasets(datasetVersions{a.datasets})
	}
	if a.mode.Worker {
		// A job's kernels (bounded by TRAINING_THREADS) wait between
		// chunks while this process classifies, so requests and batches
		// here keep their latency while a job trains.
		kernels.SetGiveWay(inference.GiveWay)
		m.Tasks(a.Queue.Mux)
		a.startHooks = append(a.startHooks, m.Start)
	}
	a.closers = append(a.closers, func() error { m.Close(); return nil })
	return nil
}
