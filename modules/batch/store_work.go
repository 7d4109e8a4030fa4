package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aquaml/aquaml/platform/inference"
	"gorm.io/gorm"
)

// maxAttempts is how many times an item may be claimed. A photo that
// kills its worker every time (or a chunk that never finishes) fails with
// gave_up instead of going round forever.
const maxAttempts = 8

// claimable selects items of a chunk a worker may take: queued ones, and
// running ones whose holder let the lease run out.
const claimable = `batch_id = ? AND chunk = ? AND (status = 'queued' OR (status = 'running' AND lease_until < ?))`

// claim takes the claimable items of a chunk for token and marks the
// batch running. It returns the items now held, the batch, and how many
// items it failed for having been tried too often. A batch that is gone
// (deleted) comes back with found false.
func (s *store) claim(ctx context.Context, batchID string, chunk int, token, worker string, now time.Time, lease time.Duration) (held []itemRow, b batchRow, gaveUp int64, found bool, err error) {
	nowMS := unixMS(now)
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE batch_items SET status = 'failed', claim = '', lease_until = 0, finished_at = ?,
			error_code = 'gave_up', error = ? WHERE `+claimable+` AND attempts >= ?`,
			now, fmt.Sprintf("no worker finished this photo in %d attempts", maxAttempts), batchID, chunk, nowMS, maxAttempts)
		if res.Error != nil {
			return res.Error
		}
		gaveUp = res.RowsAffected
		res = tx.Exec(`UPDATE batch_items SET status = 'running', claim = ?, worker = ?, lease_until = ?,
			attempts = attempts + 1, started_at = COALESCE(started_at, ?) WHERE `+claimable,
			token, worker, unixMS(now.Add(lease)), now, batchID, chunk, nowMS)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return tx.Exec(`UPDATE batches SET status = ?, started_at = COALESCE(started_at, ?) WHERE id = ? AND status = ?`,
			StatusRunning, now, batchID, StatusQueued).Error
	})
	if err != nil {
		return nil, b, 0, false, err
	}
	if b, err = s.get(ctx, batchID); err != nil {
		if err == errNotFound {
			return nil, b, gaveUp, false, nil
		}
		return nil, b, gaveUp, false, err
	}
	err = s.db.WithContext(ctx).Where("batch_id = ? AND claim = ? AND status = ?", batchID, token, itemRunning).
		Order("seq").Find(&held).Error
	return held, b, gaveUp, true, err
}

// renew extends the lease of the items token holds; 0 means it holds none
// any more (the batch was cancelled, or the lease ran out and another
// worker took them).
func (s *store) renew(ctx context.Context, batchID, token string, until time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE batch_items SET lease_until = ? WHERE batch_id = ? AND claim = ? AND status = 'running'`,
		unixMS(until), batchID, token)
	return res.RowsAffected, res.Error
}

// outcome is what became of one claimed item.
type outcome struct {
	seq    int
	status string // itemDone, itemFailed, or itemQueued to hand it back
	result inference.Answer
	scores string // JSON of every label's probability, for grouped photos
	code   string
	reason string
}

// complete writes the outcomes of a claim in one transaction. Each write
// only happens while token still holds the item, so a result is written
// exactly once and a finished item is never overwritten. It returns how
// many items reached each status.
func (s *store) complete(ctx context.Context, batchID, token string, outs []outcome, now time.Time) (map[string]int, error) {
	applied := map[string]int{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		clear(applied)
		for _, o := range outs {
			var res *gorm.DB
			const held = ` WHERE batch_id = ? AND seq = ? AND claim = ? AND status = 'running'`
			switch o.status {
			case itemDone:
				r := o.result
				preds, _ := json.Marshal(r.Predictions)
				top := inference.Prediction{}
				if len(r.Predictions) > 0 {
					top = r.Predictions[0]
				}
				res = tx.Exec(`UPDATE batch_items SET status = 'done', lease_until = 0, finished_at = ?, label = ?,
					confidence = ?, unknown = ?, predictions = ?, scores = ?, model_id = ?, model_name = ?, model_version = ?,
					width = ?, height = ?, format = ?, error_code = '', error = ''`+held,
					now, top.Label, top.Confidence, r.Unknown, string(preds), o.scores, r.Model.ID, r.Model.Name, r.Model.Version,
					r.Image.Width, r.Image.Height, r.Image.Format, batchID, o.seq, token)
			case itemFailed:
				res = tx.Exec(`UPDATE batch_items SET status = 'failed', lease_until = 0, finished_at = ?,
					error_code = ?, error = ?`+held, now, o.code, o.reason, batchID, o.seq, token)
			default:
				res = tx.Exec(`UPDATE batch_items SET status = 'queued', claim = '', lease_until = 0, enqueued_at = ?`+held,
					unixMS(now), batchID, o.seq, token)
			}
			if res.Error != nil {
				return res.Error
			}
			applied[o.status] += int(res.RowsAffected)
		}
		return nil
	})
	return applied, err
}

// markEnded ends a batch whose items are all final, choosing its status
// from them, and marks its webhook due. Only one caller can win: it
// reports whether this call ended the batch.
func (s *store) markEnded(ctx context.Context, id string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE batches SET
		status = CASE
			WHEN NOT EXISTS (SELECT 1 FROM batch_items WHERE batch_id = ? AND status = 'failed') THEN ?
			WHEN NOT EXISTS (SELECT 1 FROM batch_items WHERE batch_id = ? AND status = 'done') THEN ?
			ELSE ? END,
		finished_at = ?, started_at = COALESCE(started_at, ?),
		webhook_state = CASE WHEN callback_url <> '' THEN ? ELSE ? END, webhook_next_at = ?
		WHERE id = ? AND status IN (?, ?)
		AND NOT EXISTS (SELECT 1 FROM batch_items WHERE batch_id = ? AND status IN ('queued', 'running'))`,
		id, StatusCompleted, id, StatusFailed, StatusCompletedWithErrors,
		now, now, webhookPending, webhookNone, unixMS(now),
		id, StatusQueued, StatusRunning, id)
	return res.RowsAffected == 1, res.Error
}
