package classification

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// expired is what a prediction leaves behind in the daily counts.
type expired struct {
	UserID, ModelID, ModelName, ModelVersion, Label string
	Unknown                                         bool
	CreatedAt                                       time.Time
}

type dayKey struct {
	day, user, model, label string
	unknown                 bool
}

// expirePredictions deletes up to limit predictions made before cutoff
// (keeping those with feedback: they are training data) and adds them to
// the daily counts, in one transaction. The rows a DELETE returns are the
// ones it removed, so two workers expiring at once never count a
// prediction twice.
func (s *store) expirePredictions(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	var rows []expired
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`DELETE FROM predictions WHERE id IN (
				SELECT p.id FROM predictions p WHERE p.created_at < ?
				AND NOT EXISTS (SELECT 1 FROM prediction_feedback f WHERE f.prediction_id = p.id)
				LIMIT ?)
			RETURNING user_id, model_id, model_name, model_version, label, unknown, created_at`, cutoff, limit).
			Scan(&rows).Error
		if err != nil || len(rows) == 0 {
			return err
		}
		counts := map[dayKey]int64{}
		names := map[string][2]string{}
		for _, r := range rows {
			counts[dayKey{r.CreatedAt.UTC().Format(time.DateOnly), r.UserID, r.ModelID, r.Label, r.Unknown}]++
			names[r.ModelID] = [2]string{r.ModelName, r.ModelVersion}
		}
		for k, n := range counts {
			err := tx.Exec(`INSERT INTO prediction_daily (day, user_id, model_id, model_name, model_version, label, unknown, n)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (day, user_id, model_id, label, unknown) DO UPDATE SET n = prediction_daily.n + excluded.n`,
				k.day, k.user, k.model, names[k.model][0], names[k.model][1], k.label, k.unknown, n).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
	return len(rows), err
}

// imageInUse reports whether a stored photo must stay: a prediction of it
// made since cutoff, or one with feedback.
func (s *store) imageInUse(ctx context.Context, sum string, cutoff time.Time) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM predictions p WHERE p.image_sha256 = ?
		AND (p.created_at >= ? OR EXISTS (SELECT 1 FROM prediction_feedback f WHERE f.prediction_id = p.id))`,
		sum, cutoff).Scan(&n).Error
	return n > 0, err
}

// dailyCount is one row of the daily counts of expired predictions.
type dailyCount struct {
	Day          string `json:"day"`
	ModelID      string `json:"model_id"`
	ModelName    string `json:"model_name"`
	ModelVersion string `json:"model_version"`
	Label        string `json:"label"`
	Unknown      bool   `json:"unknown"`
	N            int64  `json:"count" gorm:"column:n"`
}

// daily lists a user's daily counts from day from to day to (inclusive,
// YYYY-MM-DD; empty: open), oldest first.
func (s *store) daily(ctx context.Context, userID, from, to string, limit int) ([]dailyCount, error) {
	q := s.db.WithContext(ctx).Table("prediction_daily").Where("user_id = ?", userID)
	if from != "" {
		q = q.Where("day >= ?", from)
	}
	if to != "" {
		q = q.Where("day <= ?", to)
	}
	var out []dailyCount
	err := q.Order("day, model_id, label, unknown").Limit(limit).Find(&out).Error
	return out, err
}
