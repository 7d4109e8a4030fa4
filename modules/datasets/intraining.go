package datasets

import (
	"context"
	"fmt"

	"github.com/aquaml/aquaml/platform/apperr"
)

// versionIDs lists a dataset's versions.
func (s *store) versionIDs(ctx context.Context, datasetID string) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&versionRow{}).Where("dataset_id = ?", datasetID).Pluck("id", &ids).Error
	return ids, err
}

// notInTraining refuses to delete a dataset while a training job is
// queued or running on one of its versions: a queued job would fail for
// want of its photos. A job submitted just after this check fails
// saying the version is gone.
func (m *Module) notInTraining(ctx context.Context, datasetID string) error {
	if m.deps.Jobs == nil {
		return nil
	}
	ids, err := m.store.versionIDs(ctx, datasetID)
	if err != nil || len(ids) == 0 {
		return err
	}
	n, err := m.deps.Jobs.Waiting(ctx, ids)
	if err != nil {
		return err
	}
	if n > 0 {
		return apperr.New(apperr.Conflict, "dataset_in_training",
			fmt.Sprintf("%d training job(s) are queued or running on this dataset's versions; cancel them or wait until they end, then delete it", n))
	}
	return nil
}
