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
	ModelID  string
	Unknown  *bool
	From, To *time.Time
}

// history is one page of a user's predictions, newest first, and the
// total matching.
func (s *store) history(ctx context.Context, f historyFilter, pg paging.Request) ([]prediction, *int64, error) {
	q := s.db.WithContext(ctx).Model(&prediction{}).Where("user_id = ?", f.UserID)
	if f.Label != "" {
		q = q.Where("label = ?", f.Label)
	}
	if f.ModelID != "" {
		q = q.Where("model_id = ?", f.ModelID)
	}
	if f.Unknown != nil {
		q = q.Where("unknown = ?", *f.Unknown)
	}
	if f.From != nil {
		q = q.Where("created_at >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("created_at <= ?", *f.To)
	}
	var total *int64
	if pg.Count {
		var n int64
		if err := q.Session(&gorm.Session{}).Count(&n).Error; err != nil {
			return nil, nil, err
		}
		total = &n
	}
	// One row more than the page tells whether another page follows.
	page := q.Order("created_at DESC, id DESC").Limit(pg.Size + 1)
	if at := pg.After; !at.IsZero() {
		page = page.Where("created_at < ? OR (created_at = ? AND id < ?)", at.Time, at.Time, at.ID)
	} else {
		page = page.Offset(pg.Offset())
	}
	var rows []prediction
	err := page.Find(&rows).Error
	return rows, total, err
}

var errPredictionNotFound = apperr.New(apperr.NotFound, "prediction_not_found", "no prediction with this id")

func (s *store) prediction(ctx context.Context, id string) (prediction, error) {
	var p prediction
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, errPredictionNotFound
	}
	return p, err
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
func (s *store) putFeedback(ctx context.Context, f *feedback, note *string) (created bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old feedback
		err := tx.Where("prediction_id = ?", f.PredictionID).Take(&old).Error
		f.Note = old.Note
		if note != nil {
			f.Note = *note
		}
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

// model is a registered model by id, deleted or not (history and feedback
// still need a deleted model's labels).
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

// models lists the registry (deleted models left out), newest first,
// without the model cards.
func (s *store) models(ctx context.Context) ([]modelRecord, error) {
	var recs []modelRecord
	err := s.db.WithContext(ctx).Omit("card").Where("deleted_at IS NULL").Order("created_at DESC").Find(&recs).Error
	return recs, err
}

// servedModels are the models every process should serve: the ready ones
// and the default, without their cards.
func (s *store) servedModels(ctx context.Context) ([]modelRecord, error) {
	var recs []modelRecord
	err := s.db.WithContext(ctx).Omit("card").Where("(ready OR is_active) AND deleted_at IS NULL").
		Order("created_at DESC").Find(&recs).Error
	return recs, err
}

// modelByRef finds a registered model by id, name:version or name (the
// newest), deleted ones left out.
func (s *store) modelByRef(ctx context.Context, ref string) (modelRecord, error) {
	var recs []modelRecord
	err := s.db.WithContext(ctx).Omit("card").Where("deleted_at IS NULL AND (id = ? OR name = ? OR name || ':' || version = ?)", ref, ref, ref).
		Order("created_at DESC").Limit(5).Find(&recs).Error
	if err != nil {
		return modelRecord{}, err
	}
	for _, r := range recs {
		if r.ID == ref || r.Name+":"+r.Version == ref {
			return r, nil
		}
	}
	if len(recs) == 0 {
		return modelRecord{}, errModelNotFound
	}
	return recs[0], nil
}

// setReady marks a model ready when the memory of the ready models stays
// within budget bytes, in one guarded statement; ok is false when it
// would not fit. A model already ready stays so.
func (s *store) setReady(ctx context.Context, id string, budget int64) (ok bool, err error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE models SET ready = TRUE
		WHERE id = ? AND deleted_at IS NULL AND (ready OR memory_bytes +
			(SELECT COALESCE(SUM(memory_bytes), 0) FROM models WHERE (ready OR is_active) AND deleted_at IS NULL) <= ?)`,
		id, budget)
	return res.RowsAffected == 1, res.Error
}

func (s *store) setMemory(ctx context.Context, id string, bytes int64) error {
	return s.db.WithContext(ctx).Model(&modelRecord{}).Where("id = ?", id).Update("memory_bytes", bytes).Error
}

// readyMemory is the memory the ready models cost each process.
func (s *store) readyMemory(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&modelRecord{}).Select("COALESCE(SUM(memory_bytes), 0)").
		Where("(ready OR is_active) AND deleted_at IS NULL").Scan(&n).Error
	return n, err
}

// unready stops serving a model that is not the default; ok is false when
// it is the default.
func (s *store) unready(ctx context.Context, id string) (ok bool, err error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE models SET ready = FALSE WHERE id = ? AND NOT is_active`, id)
	return res.RowsAffected == 1, res.Error
}

// markDeleted deletes a model that is neither the default nor ready; ok
// is false otherwise.
func (s *store) markDeleted(ctx context.Context, id string, now time.Time) (ok bool, err error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE models SET deleted_at = ? WHERE id = ? AND NOT is_active AND NOT ready AND deleted_at IS NULL`, now, id)
	return res.RowsAffected == 1, res.Error
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

// activate makes id the default model (and ready). The previous default
// stays ready: it keeps serving requests that name it.
func (s *store) activate(ctx context.Context, id string, now time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&modelRecord{}).Where("is_active = ? AND id <> ?", true, id).
			Updates(map[string]any{"is_active": false, "ready": true}).Error; err != nil {
			return err
		}
		return tx.Model(&modelRecord{}).Where("id = ?", id).Updates(map[string]any{"is_active": true, "ready": true, "activated_at": now}).Error
	})
}

// correction is a prediction with the label its feedback gave.
type correction struct {
	PredictionID string
	ImageSHA256  string `gorm:"column:image_sha256"`
	CorrectLabel string
	CreatedAt    time.Time
}

// corrections lists a user's predictions that have feedback, by
// prediction id (time-ordered ids), after the given id.
func (s *store) corrections(ctx context.Context, userID, after string, limit int) ([]correction, error) {
	var rows []correction
	err := s.db.WithContext(ctx).Table("predictions AS p").
		Select("p.id AS prediction_id, p.image_sha256, f.correct_label, p.created_at").
		Joins("JOIN prediction_feedback f ON f.prediction_id = p.id").
		Where("p.user_id = ? AND p.id > ?", userID, after).Order("p.id").Limit(limit).Scan(&rows).Error
	return rows, err
}
