package batch

import (
	"context"
	"os"
	"time"

	"github.com/aquaml/aquaml/platform/schedule"
)

// expireBatchLimit is how many batches one retention pass removes.
const expireBatchLimit = 100

// startRetention removes batches that ended more than RETENTION_BATCH_DAYS
// ago, with their results and photos, on every worker. Removal is the
// same transaction as DELETE /batches/{id}, so two workers removing the
// same batch give its quota back once.
func (m *Module) startRetention() func() {
	days := m.cfg.Retention.BatchDays
	if days == 0 {
		return func() {}
	}
	return schedule.Every(m.cfg.Retention.Interval, func(ctx context.Context) {
		n, err := m.expire(ctx, time.Now().UTC().AddDate(0, 0, -days))
		if err != nil {
			m.log.Warn("expiring finished batches", "error", err)
		}
		if n > 0 {
			m.log.Info("finished batches expired", "batches", n, "days", days)
		}
	})
}

func (m *Module) expire(ctx context.Context, cutoff time.Time) (int, error) {
	ids, err := m.store.endedBefore(ctx, cutoff, expireBatchLimit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		removed, err := m.store.remove(ctx, id)
		if err != nil {
			return n, err
		}
		if removed {
			n++
			if err := os.RemoveAll(m.batchDir(id)); err != nil {
				m.log.Warn("removing an expired batch's photos", "batch", id, "error", err)
			}
		}
	}
	return n, nil
}
