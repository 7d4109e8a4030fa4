package batch

import (
	"context"
	"errors"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/paging"
	"gorm.io/gorm"
)

// store reads and writes batches and items. Every change of an item's
// status is a guarded UPDATE (the row must still be in the state the
// caller saw, and held by its claim), so a stale worker changes nothing.
type store struct {
	db *gorm.DB
}

var errNotFound = apperr.New(apperr.NotFound, "batch_not_found", "no batch with this id")

// counts are a batch's items per status, always derived from the rows.
type counts struct {
	Queued, Running, Done, Failed, Skipped int
}

func (c counts) pending() int   { return c.Queued + c.Running }
func (c counts) processed() int { return c.Done + c.Failed }

// create writes the batch and all its items in one transaction, charged
// to its owner's quota: after it the batch exists in full and is counted,
// or (on error, a full quota included) not at all.
func (s *store) create(ctx context.Context, b *batchRow, items []itemRow, q quota) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := charge(tx, b.UserID, usage{Batches: 1, Photos: b.Total, Bytes: b.StoredBytes}, q); err != nil {
			return err
		}
		if err := tx.Create(b).Error; err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		// Small statements: the SQLite driver binds parameters in time
		// quadratic in their number, so 200-row inserts cost more than
		// eight times as many 25-row ones.
		return tx.CreateInBatches(items, 25).Error
	})
}

// own returns the batch if it belongs to userID; anyone else's batch is
// "not found", so ids cannot be probed.
func (s *store) own(ctx context.Context, id, userID string) (batchRow, error) {
	b, err := s.get(ctx, id)
	if err == nil && b.UserID != userID {
		return batchRow{}, errNotFound
	}
	return b, err
}

func (s *store) get(ctx context.Context, id string) (batchRow, error) {
	var b batchRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&b).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return b, errNotFound
	}
	return b, err
}

// counts returns the item counts of each batch in ids.
func (s *store) counts(ctx context.Context, ids ...string) (map[string]counts, error) {
	out := make(map[string]counts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		BatchID string
		Status  string
		N       int
	}
	err := s.db.WithContext(ctx).Model(&itemRow{}).Select("batch_id, status, count(*) AS n").
		Where("batch_id IN ?", ids).Group("batch_id, status").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		c := out[r.BatchID]
		switch r.Status {
		case itemQueued:
			c.Queued = r.N
		case itemRunning:
			c.Running = r.N
		case itemDone:
			c.Done = r.N
		case itemFailed:
			c.Failed = r.N
		case itemSkipped:
			c.Skipped = r.N
		}
		out[r.BatchID] = c
	}
	return out, nil
}

// species counts the classified photos of a batch by top-1 label, leaving
// out those flagged unknown, which are counted apart: the species counts
// and unknown add up to the photos done.
func (s *store) species(ctx context.Context, id string) (map[string]int, int, error) {
	var rows []struct {
		Label   string
		N       int
		Unknown int
	}
	err := s.db.WithContext(ctx).Model(&itemRow{}).
		Select("label, count(*) AS n, sum(CASE WHEN unknown THEN 1 ELSE 0 END) AS unknown").
		Where("batch_id = ? AND status = ?", id, itemDone).Group("label").Scan(&rows).Error
	if err != nil {
		return nil, 0, err
	}
	out, unknown := make(map[string]int, len(rows)), 0
	for _, r := range rows {
		if n := r.N - r.Unknown; n > 0 {
			out[r.Label] = n
		}
		unknown += r.Unknown
	}
	return out, unknown, nil
}

// list is one page of a user's batches (every user's when userID is
// empty), newest first.
func (s *store) list(ctx context.Context, userID, status string, pg paging.Request) ([]batchRow, int64, error) {
	q := s.db.WithContext(ctx).Model(&batchRow{})
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
	var rows []batchRow
	err := q.Order("created_at DESC, id DESC").Limit(pg.Size).Offset(pg.Offset()).Find(&rows).Error
	return rows, total, err
}

// itemPage returns one page of a batch's items in order, of one status
// if given.
func (s *store) itemPage(ctx context.Context, id, status string, pg paging.Request) ([]itemRow, error) {
	q := s.db.WithContext(ctx).Where("batch_id = ?", id)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var rows []itemRow
	err := q.Order("seq").Offset(pg.Offset()).Limit(pg.Size).Find(&rows).Error
	return rows, err
}

// itemsAfter returns up to limit items with seq above after, in order:
// a keyset walk that stays cheap to the end of a large batch.
func (s *store) itemsAfter(ctx context.Context, id string, after, limit int) ([]itemRow, error) {
	var rows []itemRow
	err := s.db.WithContext(ctx).Where("batch_id = ? AND seq > ?", id, after).Order("seq").Limit(limit).Find(&rows).Error
	return rows, err
}

// countItems counts a batch's items, of one status if given.
func (s *store) countItems(ctx context.Context, id, status string) (int64, error) {
	q := s.db.WithContext(ctx).Model(&itemRow{}).Where("batch_id = ?", id)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var n int64
	err := q.Count(&n).Error
	return n, err
}

// cancel ends a queued or running batch: it becomes cancelled and every
// item not yet finished is skipped, in one transaction. A worker still
// classifying one of them finds its claim gone and writes nothing. It
// reports whether this call cancelled the batch and how many items it
// skipped.
func (s *store) cancel(ctx context.Context, id string, now time.Time) (bool, int64, error) {
	var cancelled bool
	var skipped int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE batches SET status = ?, finished_at = ?, started_at = COALESCE(started_at, ?),
			webhook_state = CASE WHEN callback_url <> '' THEN ? ELSE ? END, webhook_next_at = ?
			WHERE id = ? AND status IN (?, ?)`,
			StatusCancelled, now, now, webhookPending, webhookNone, unixMS(now), id, StatusQueued, StatusRunning)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		cancelled = true
		res = tx.Exec(`UPDATE batch_items SET status = ?, claim = '', lease_until = 0, finished_at = ?,
			error_code = 'cancelled', error = 'the batch was cancelled before this photo was classified'
			WHERE batch_id = ? AND status IN (?, ?)`, itemSkipped, now, id, itemQueued, itemRunning)
		skipped = res.RowsAffected
		return res.Error
	})
	return cancelled, skipped, err
}

// remove deletes an ended batch and its items and gives back its quota.
// It reports false when the batch is not (or no longer) ended; of two
// racing deletes only the one whose DELETE removed the row gives back.
func (s *store) remove(ctx context.Context, id string) (bool, error) {
	var removed bool
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var b batchRow
		if err := tx.Where("id = ?", id).Take(&b).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil
			}
			return err
		}
		// The foreign key cascades to the items; deleting them too keeps
		// that true on a database opened without foreign keys.
		res := tx.Exec(`DELETE FROM batches WHERE id = ? AND status NOT IN (?, ?)`, id, StatusQueued, StatusRunning)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		removed = true
		if err := tx.Exec(`DELETE FROM batch_items WHERE batch_id = ?`, id).Error; err != nil {
			return err
		}
		return refund(tx, b)
	})
	return removed, err
}

// pinnedTo counts the unfinished batches pinned to a model.
func (s *store) pinnedTo(ctx context.Context, modelID string) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&batchRow{}).
		Where("model_id = ? AND status IN ?", modelID, []string{StatusQueued, StatusRunning}).Count(&n).Error
	return int(n), err
}

// endedBefore lists batches that ended before cutoff, oldest first.
func (s *store) endedBefore(ctx context.Context, cutoff time.Time, limit int) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&batchRow{}).
		Where("status NOT IN ? AND finished_at < ?", []string{StatusQueued, StatusRunning}, cutoff).
		Order("finished_at").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}
