package batch

import (
	"context"
	"time"
)

// staleChunk is a chunk with queued items whose task may be lost.
type staleChunk struct {
	BatchID    string
	Chunk      int
	TaskID     string
	EnqueuedAt int64
}

// expireLeases hands back every item whose holder stopped renewing its
// lease (a killed worker): queued again, with no task, so the next step
// enqueues one.
func (s *store) expireLeases(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE batch_items SET status = 'queued', claim = '', lease_until = 0, task_id = ''
		WHERE status = 'running' AND lease_until < ?`, unixMS(now))
	return res.RowsAffected, res.Error
}

// staleChunks lists chunks with queued items enqueued before cutoff;
// untasked keeps only those with no task.
func (s *store) staleChunks(ctx context.Context, cutoff time.Time, limit int, untasked bool) ([]staleChunk, error) {
	var out []staleChunk
	q := s.db.WithContext(ctx).Model(&itemRow{}).Where("status = ?", itemQueued)
	if untasked {
		q = q.Where("task_id = ''")
	}
	err := q.Select("batch_id, chunk, task_id, min(enqueued_at) AS enqueued_at").Group("batch_id, chunk, task_id").
		Having("min(enqueued_at) < ?", unixMS(cutoff)).Order("batch_id, chunk").Limit(limit).Scan(&out).Error
	return out, err
}

// retask points a chunk's queued items from their old task to a new one.
// Reconcilers in several workers may race: only the one that moves the
// items (true) enqueues the task.
func (s *store) retask(ctx context.Context, c staleChunk, taskID string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE batch_items SET task_id = ?, enqueued_at = ?
		WHERE batch_id = ? AND chunk = ? AND status = 'queued' AND task_id = ? AND enqueued_at < ?`,
		taskID, unixMS(now), c.BatchID, c.Chunk, c.TaskID, unixMS(now))
	return res.RowsAffected > 0, res.Error
}

// unfinished lists batches still queued or running with no work left:
// their last worker died between writing results and ending the batch.
func (s *store) unfinished(ctx context.Context, limit int) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&batchRow{}).
		Where("status IN (?, ?)", StatusQueued, StatusRunning).
		Where("NOT EXISTS (SELECT 1 FROM batch_items WHERE batch_id = batches.id AND status IN ('queued', 'running'))").
		Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// dueWebhooks lists batches whose next webhook attempt is overdue.
func (s *store) dueWebhooks(ctx context.Context, before time.Time, limit int) ([]batchRow, error) {
	var rows []batchRow
	err := s.db.WithContext(ctx).Where("webhook_state = ? AND webhook_next_at < ?", webhookPending, unixMS(before)).
		Order("webhook_next_at").Limit(limit).Find(&rows).Error
	return rows, err
}

// knownBatches returns which of ids are batches.
func (s *store) knownBatches(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += 500 {
		var found []string
		part := ids[start:min(start+500, len(ids))]
		if err := s.db.WithContext(ctx).Model(&batchRow{}).Where("id IN ?", part).Pluck("id", &found).Error; err != nil {
			return nil, err
		}
		for _, id := range found {
			out[id] = true
		}
	}
	return out, nil
}

// webhookAttempted records a failed attempt n and when the next is due;
// false means another delivery already moved the webhook on.
func (s *store) webhookAttempted(ctx context.Context, id string, n int, reason string, next time.Time, last bool) (bool, error) {
	state := webhookPending
	if last {
		state = webhookFailed
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE batches SET webhook_state = ?, webhook_attempts = ?, webhook_error = ?, webhook_next_at = ?
		WHERE id = ? AND webhook_state = ? AND webhook_attempts = ?`,
		state, n, reason, unixMS(next), id, webhookPending, n-1)
	return res.RowsAffected == 1, res.Error
}

// webhookDelivered records a successful attempt n.
func (s *store) webhookDelivered(ctx context.Context, id string, n int, now time.Time) error {
	return s.db.WithContext(ctx).Exec(`UPDATE batches SET webhook_state = ?, webhook_attempts = ?, webhook_error = '',
		webhook_delivered_at = ? WHERE id = ? AND webhook_state = ? AND webhook_attempts = ?`,
		webhookDelivered, n, now, id, webhookPending, n-1).Error
}
