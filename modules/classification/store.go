package classification

import (
	"context"
	"errors"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/paging"
	"gorm.io/gorm"
)

// store is every database query of the module: predictions, feedback and
// the model registry's records.
type store struct {
	db *gorm.DB
}

// insertPrediction writes the prediction in one statement: it is there in
// full, or (on error) not at all.
func (s *store) insertPrediction(ctx context.Context, p *prediction) error {
	return s.db.WithContext(ctx).Create(p).Error
}

// historyFilter narrows a user's prediction history; zero fields do not
// filter.
type historyFilter struct {
	UserID   string
	Label    string
	Unknown  *bool
	From, To *time.Time
}

// history is one page of a user's predictions, newest first, with the
// names of the models that made them, and the total matching.
func (s *store) history(ctx context.Context, f historyFilter, pg paging.Request) ([]prediction, int64, error) {
	q := s.db.WithContext(ctx).Model(&prediction{}).Where("predictions.user_id = ?", f.UserID)
	if f.Label != "" {
		q = q.Where("predictions.label = ?", f.Label)
	}
	if f.Unknown != nil {
		q = q.Where("predictions.unknown = ?", *f.Unknown)
	}
	if f.From != nil {
		q = q.Where("predictions.created_at >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("predictions.created_at <= ?", *f.To)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []prediction
	err := q.Select("predictions.*, models.name AS model_name").
		Joins("LEFT JOIN models ON models.id = predictions.model_id").
		Order("predictions.created_at DESC, predictions.id DESC").
		Limit(pg.Size).Offset(pg.Offset()).Scan(&rows).Error
	return rows, total, err
}

var errPredictionNotFound = apperr.New(apperr.NotFound, "prediction_not_found", "no prediction with this id")

// prediction loads one prediction with its model's name.
func (s *store) prediction(ctx context.Context, id string) (prediction, error) {
	var p prediction
	res := s.db.WithContext(ctx).Model(&prediction{}).
		Select("predictions.*, models.name AS model_name").
		Joins("LEFT JOIN models ON models.id = predictions.model_id").
		Where("predictions.id = ?", id).Limit(1).Scan(&p)
	if res.Error == nil && res.RowsAffected == 0 {
		return p, errPredictionNotFound
	}
	return p, res.Error
}

// feedbackOf is the feedback on a prediction, nil when there is none.
func (s *store) feedbackOf(ctx context.Context, predictionID string) (*feedback, error) {
	var f feedback
	err := s.db.WithContext(ctx).Where("prediction_id = ?", predictionID).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// putFeedback creates or replaces the feedback on a prediction and reports
// whether it was new. A replacement keeps the first creation time.
func (s *store) putFeedback(ctx context.Context, f *feedback) (created bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old feedback
		err := tx.Where("prediction_id = ?", f.PredictionID).Take(&old).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			created = true
			return tx.Create(f).Error
		}
		if err != nil {
			return err
		}
		f.CreatedAt = old.CreatedAt
		return tx.Model(&feedback{}).Where("prediction_id = ?", f.PredictionID).
			Updates(map[string]any{"user_id": f.UserID, "correct_label": f.CorrectLabel, "note": f.Note, "updated_at": f.UpdatedAt}).Error
	})
	return created, err
}

// verdict is how many predictions of label Predicted users said were
// Correct.
type verdict struct {
	Predicted string
	Correct   string
	N         int
}

// verdicts counts feedback on a model's predictions by predicted and
// correct label.
func (s *store) verdicts(ctx context.Context, modelID string) ([]verdict, error) {
	var rows []verdict
	err := s.db.WithContext(ctx).Table("predictions AS p").
		Select("p.label AS predicted, f.correct_label AS correct, COUNT(*) AS n").
		Joins("JOIN prediction_feedback f ON f.prediction_id = p.id").
		Where("p.model_id = ?", modelID).Group("p.label, f.correct_label").Scan(&rows).Error
	return rows, err
}

var errModelNotFound = apperr.New(apperr.NotFound, "model_not_found", "no model with this id")

func (s *store) model(ctx context.Context, id string) (modelRecord, error) {
	var rec modelRecord
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&rec).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return rec, errModelNotFound
	}
	return rec, err
}

// modelByChecksum finds a registered file; ok is false when there is none.
func (s *store) modelByChecksum(ctx context.Context, checksum string) (rec modelRecord, ok bool, err error) {
	err = s.db.WithContext(ctx).Where("checksum = ?", checksum).Take(&rec).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return rec, false, nil
	}
	return rec, err == nil, err
}

// models lists the registry, newest first, without the model cards.
func (s *store) models(ctx context.Context) ([]modelRecord, error) {
	var recs []modelRecord
	err := s.db.WithContext(ctx).Omit("card").Order("created_at DESC").Find(&recs).Error
	return recs, err
}

// errDuplicateModel means the same file was registered meanwhile (by
// another replica).
var errDuplicateModel = errors.New("classification: model file registered twice")

func (s *store) createModel(ctx context.Context, rec *modelRecord) error {
	err := s.db.WithContext(ctx).Create(rec).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return errDuplicateModel
	}
	return err
}

// activeModel returns the model marked active, if any.
func (s *store) activeModel(ctx context.Context) (modelRecord, bool, error) {
	var rec modelRecord
	err := s.db.WithContext(ctx).Where("is_active = ?", true).Take(&rec).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return rec, false, nil
	}
	return rec, err == nil, err
}

// activate marks id as the one active model.
func (s *store) activate(ctx context.Context, id string, now time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&modelRecord{}).Where("is_active = ? AND id <> ?", true, id).Update("is_active", false).Error; err != nil {
			return err
		}
		return tx.Model(&modelRecord{}).Where("id = ?", id).Updates(map[string]any{"is_active": true, "activated_at": now}).Error
	})
}
