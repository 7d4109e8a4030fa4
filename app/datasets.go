package app

import (
	"context"

	"github.com/aquaml/aquaml/modules/classification"
	"github.com/aquaml/aquaml/modules/datasets"
)

// mountDatasets builds the datasets module in every process (training
// reads versions and photos from it in workers too); API processes serve
// its routes.
func (a *App) mountDatasets() error {
	m, err := datasets.New(datasets.Deps{
		DB: a.DB.DB, RequireUser: a.RequireUser, Logger: a.log,
		Feedback: fieldPhotos{a.classifier.Service()}, Jobs: trainingJobs{a},
		Config: datasets.Config{
			Datasets: a.cfg.Datasets, MaxFileBytes: a.cfg.HTTP.BodyLimit, MaxPixels: a.cfg.Model.MaxPixels,
		},
	})
	if err != nil {
		return err
	}
	a.datasets = m
	return nil
}

// fieldPhotos gives datasets the photos users corrected, from the
// classification service.
type fieldPhotos struct{ s *classification.Service }

func (f fieldPhotos) Corrections(ctx context.Context, userID, after string, limit int) ([]datasets.Correction, string, error) {
	rows, next, err := f.s.CorrectedPhotos(ctx, userID, after, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]datasets.Correction, len(rows))
	for i, r := range rows {
		out[i] = datasets.Correction{PredictionID: r.PredictionID, SHA256: r.SHA256, Label: r.Label}
	}
	return out, next, nil
}

func (f fieldPhotos) StoredPhoto(ctx context.Context, sha256 string) ([]byte, error) {
	return f.s.StoredPhoto(ctx, sha256)
}

// trainingJobs tells datasets which versions training jobs still need.
// The training module is built after datasets (it reads versions from
// it), so it is looked up when asked.
type trainingJobs struct{ a *App }

func (t trainingJobs) Waiting(ctx context.Context, versionIDs []string) (int, error) {
	if t.a.training == nil {
		return 0, nil
	}
	return t.a.training.Waiting(ctx, versionIDs)
}
