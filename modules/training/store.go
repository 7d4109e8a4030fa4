package training

import (
	"context"
	"errors"
	"time"

	"github.com/aquaml/aquaml/platform/paging"
	"gorm.io/gorm"
)

// store is the module's access to training_jobs. Every write a worker
// makes is guarded by its claim token, so a worker that lost its lease
// (it stalled, another took over) can no longer touch the job.
type store struct{ db *gorm.DB }

func (s *store) create(ctx context.Context, j *jobRow) error {
	return s.db.WithContext(ctx).Create(j).Error
}

func (s *store) get(ctx context.Context, id string) (jobRow, error) {
	var j jobRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&j).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return j, errNotFound
	}
	return j, err
}

func (s *store) list(ctx context.Context, userID, status string, pg paging.Request) ([]jobRow, int64, error) {
	q := s.db.WithContext(ctx).Model(&jobRow{})
	if userID != "" {
		q = q.Where("user_id = ?", userID)
	}
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []jobRow
	err := q.Omit("history", "report", "card", "request", "labels").Order("created_at DESC, id DESC").
		Limit(pg.Size).Offset(pg.Offset()).Find(&rows).Error
	return rows, total, err
}

// retask records the task that will run a queued job, if its task is
// still old: of two reconcilers replacing a lost task, one wins.
func (s *store) retask(ctx context.Context, id, old, taskID string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE training_jobs SET task_id = ?, enqueued_at = ? WHERE id = ? AND status = 'queued' AND task_id = ?`,
		taskID, unixMS(now), id, old)
	return res.RowsAffected == 1, res.Error
}

// claim takes a queued job, or a running one whose lease ran out, for
// token. It reports whether the job is now this token's.
func (s *store) claim(ctx context.Context, id, token, worker string, now time.Time, lease time.Duration) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE training_jobs SET status = 'running', claim = ?, worker = ?, lease_until = ?,
		attempts = attempts + 1, started_at = COALESCE(started_at, ?)
		WHERE id = ? AND (status = 'queued' OR (status = 'running' AND lease_until < ?))`,
		token, worker, unixMS(now.Add(lease)), now, id, unixMS(now))
	return res.RowsAffected == 1, res.Error
}

// renew extends the lease; false means the job is no longer this token's
// (cancelled, or taken over).
func (s *store) renew(ctx context.Context, id, token string, until time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE training_jobs SET lease_until = ? WHERE id = ? AND claim = ? AND status = 'running'`,
		unixMS(until), id, token)
	return res.RowsAffected == 1, res.Error
}

// progress records a finished epoch.
func (s *store) progress(ctx context.Context, id, token string, p jobRow) error {
	return s.db.WithContext(ctx).Exec(`UPDATE training_jobs SET epoch = ?, loss = ?, val_accuracy = ?, val_macro_f1 = ?,
		images_per_sec = ?, eta_seconds = ?, history = ? WHERE id = ? AND claim = ? AND status = 'running'`,
		p.Epoch, p.Loss, p.ValAccuracy, p.ValMacroF1, p.ImagesPerSec, p.EtaSeconds, p.History, id, token).Error
}

// refitProgress records a finished epoch of the refit pass. The held-out
// run's figures stay: they are the model's scores.
func (s *store) refitProgress(ctx context.Context, id, token string, epoch, epochs int, imagesPerSec, eta float64) error {
	return s.db.WithContext(ctx).Exec(`UPDATE training_jobs SET refit_epoch = ?, refit_epochs = ?, images_per_sec = ?, eta_seconds = ?
		WHERE id = ? AND claim = ? AND status = 'running'`,
		epoch, epochs, imagesPerSec, eta, id, token).Error
}

// complete ends the job with its model.
func (s *store) complete(ctx context.Context, id, token, modelID, report, card string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE training_jobs SET status = 'completed', model_id = ?, report = ?, card = ?,
		eta_seconds = 0, lease_until = 0, finished_at = ? WHERE id = ? AND claim = ? AND status = 'running'`,
		modelID, report, card, now, id, token)
	return res.RowsAffected == 1, res.Error
}

// fail ends the job with the reason.
func (s *store) fail(ctx context.Context, id, token, code, reason string, now time.Time) error {
	return s.db.WithContext(ctx).Exec(`UPDATE training_jobs SET status = 'failed', error_code = ?, last_error = ?,
		eta_seconds = 0, lease_until = 0, finished_at = ? WHERE id = ? AND claim = ? AND status = 'running'`,
		code, reason, now, id, token).Error
}

// release hands the job back to the queue (this worker is stopping); the
// next worker resumes from the checkpoint.
func (s *store) release(ctx context.Context, id, token string) error {
	return s.db.WithContext(ctx).Exec(`UPDATE training_jobs SET status = 'queued', claim = '', lease_until = 0
		WHERE id = ? AND claim = ? AND status = 'running'`, id, token).Error
}

// cancel ends a queued or running job; false when it had already ended.
func (s *store) cancel(ctx context.Context, id string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE training_jobs SET status = 'cancelled', claim = '', lease_until = 0,
		eta_seconds = 0, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')`, now, id)
	return res.RowsAffected == 1, res.Error
}

// expireLeases hands back running jobs whose worker stopped renewing.
func (s *store) expireLeases(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE training_jobs SET status = 'queued', claim = '', lease_until = 0
		WHERE status = 'running' AND lease_until < ?`, unixMS(now))
	return res.RowsAffected, res.Error
}

// staleQueued lists queued jobs enqueued before cutoff: their task may be
// lost.
func (s *store) staleQueued(ctx context.Context, cutoff time.Time, limit int) ([]jobRow, error) {
	var rows []jobRow
	err := s.db.WithContext(ctx).Select("id", "task_id", "enqueued_at").
		Where("status = 'queued' AND enqueued_at < ?", unixMS(cutoff)).Order("created_at").Limit(limit).Find(&rows).Error
	return rows, err
}

// waiting counts the jobs queued or running on any of the versions.
func (s *store) waiting(ctx context.Context, versionIDs []string) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&jobRow{}).
		Where("dataset_version IN ? AND status IN ?", versionIDs, []string{"queued", "running"}).Count(&n).Error
	return int(n), err
}
