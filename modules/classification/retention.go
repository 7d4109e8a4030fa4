package classification

import (
	"context"
	"time"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/schedule"
)

// retentionBatch is how many predictions one transaction expires: small
// enough to keep each lock short on a busy table.
const retentionBatch = 2000

// StartRetention, called once at start, runs the retention passes of this worker process:
// predictions past RETENTION_PREDICTION_DAYS become daily counts, stored
// photos past RETENTION_IMAGE_DAYS are removed. Every worker runs it;
// each step is safe when several run at once.
func (m *Module) StartRetention(r config.Retention) {
	if r.PredictionDays == 0 && r.ImageDays == 0 {
		return
	}
	m.stopRetention = schedule.Every(r.Interval, func(ctx context.Context) { m.expire(ctx, r, time.Now().UTC()) })
}

func (m *Module) expire(ctx context.Context, r config.Retention, now time.Time) {
	if r.PredictionDays > 0 {
		total := 0
		for ctx.Err() == nil {
			n, err := m.store.expirePredictions(ctx, now.AddDate(0, 0, -r.PredictionDays), retentionBatch)
			total += n
			if err != nil {
				m.log.Warn("expiring predictions", "error", err)
				break
			}
			if n < retentionBatch {
				break
			}
		}
		if total > 0 {
			m.log.Info("predictions expired into daily counts", "predictions", total, "days", r.PredictionDays)
		}
	}
	if r.ImageDays > 0 {
		n, err := m.expireImages(ctx, now.AddDate(0, 0, -r.ImageDays))
		if err != nil {
			m.log.Warn("expiring stored photos", "error", err)
		}
		if n > 0 {
			m.log.Info("stored photos expired", "photos", n, "days", r.ImageDays)
		}
	}
}

// expireImages removes the stored photos written before cutoff that no
// prediction since cutoff used and no prediction with feedback names.
func (m *Module) expireImages(ctx context.Context, cutoff time.Time) (int, error) {
	removed := 0
	err := m.service.images.Each(ctx, func(sum string, written time.Time) error {
		if !written.Before(cutoff) {
			return nil
		}
		keep, err := m.store.imageInUse(ctx, sum, cutoff)
		if err != nil || keep {
			return err
		}
		if err := m.service.images.Delete(ctx, sum); err != nil {
			return err
		}
		removed++
		return nil
	})
	return removed, err
}
