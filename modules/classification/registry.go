package classification

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/blobstore"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// registry keeps model files in the model directory (content-addressed by
// checksum) and their descriptions in the database.
type registry struct {
	db      *gorm.DB
	files   *blobstore.Store
	bundled Bundled
}

// Bundled is the model compiled into the binary: its file and model card.
type Bundled struct {
	File []byte
	Card string
}

// register validates a model file and records it, inactive. A file already
// registered (same checksum) returns the existing record and false.
func (r *registry) register(ctx context.Context, data []byte, source string, uploadedBy *string, card string) (modelRecord, bool, error) {
	m, err := modelfile.Read(bytes.NewReader(data))
	if err != nil {
		return modelRecord{}, false, apperr.Wrap(apperr.Invalid, "invalid_model", "not a valid model file: "+err.Error(), err)
	}
	// Building an engine proves the architecture and weights fit together.
	eng, err := inference.New(m, inference.Options{MaxBatch: 1})
	if err != nil {
		return modelRecord{}, false, apperr.Wrap(apperr.Invalid, "invalid_model", "the model cannot be served: "+err.Error(), err)
	}
	eng.Close()
	checksum := blobstore.Sum(data)
	var existing modelRecord
	err = r.db.WithContext(ctx).Where("checksum = ?", checksum).Take(&existing).Error
	if err == nil {
		return existing, false, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return modelRecord{}, false, err
	}
	rec := modelRecord{
		ID: uuid.Must(uuid.NewV7()).String(), Name: m.Meta.Name, Version: m.Meta.Version, Checksum: checksum,
		Source: source, SizeBytes: int64(len(data)), InputSize: m.Meta.Input.Height,
		UnknownThreshold: m.Meta.UnknownThreshold, UploadedBy: uploadedBy, CreatedAt: time.Now().UTC(),
	}
	labels, _ := json.Marshal(m.Meta.Labels)
	rec.Labels = string(labels)
	rec.Metrics = "{}"
	if m.Meta.Metrics != nil {
		metrics, _ := json.Marshal(m.Meta.Metrics)
		rec.Metrics = string(metrics)
	}
	if card == "" {
		var buf bytes.Buffer
		if err := evaluation.WriteModelCard(&buf, evaluation.Card{Meta: &m.Meta}); err == nil {
			card = buf.String()
		}
	}
	rec.Card = card
	if source != sourceBundled {
		if rec.FileName, err = r.files.Put(data); err != nil {
			return modelRecord{}, false, fmt.Errorf("classification: store model file: %w", err)
		}
	}
	if err := r.db.WithContext(ctx).Create(&rec).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) { // registered meanwhile by another replica
			err = r.db.WithContext(ctx).Where("checksum = ?", checksum).Take(&existing).Error
			return existing, false, err
		}
		return modelRecord{}, false, err
	}
	return rec, true, nil
}

// file returns the bytes of a registered model.
func (r *registry) file(rec modelRecord) ([]byte, error) {
	if rec.Source == sourceBundled {
		return r.bundled.File, nil
	}
	return r.files.Get(rec.FileName)
}

// load reads and parses a registered model, checking it is the file the
// registry recorded.
func (r *registry) load(rec modelRecord) (*modelfile.Model, error) {
	data, err := r.file(rec)
	if err != nil {
		return nil, fmt.Errorf("classification: model %s: %w", rec.ID, err)
	}
	if blobstore.Sum(data) != rec.Checksum {
		return nil, fmt.Errorf("classification: model %s: file does not match its checksum", rec.ID)
	}
	return modelfile.Read(bytes.NewReader(data))
}

func (r *registry) get(ctx context.Context, id string) (modelRecord, error) {
	var rec modelRecord
	err := r.db.WithContext(ctx).Where("id = ?", id).Take(&rec).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return rec, apperr.New(apperr.NotFound, "model_not_found", "no model with this id")
	}
	return rec, err
}

func (r *registry) list(ctx context.Context) ([]modelRecord, error) {
	var recs []modelRecord
	err := r.db.WithContext(ctx).Omit("card").Order("created_at DESC").Find(&recs).Error
	return recs, err
}

// active returns the model marked active, if any.
func (r *registry) active(ctx context.Context) (modelRecord, bool, error) {
	var rec modelRecord
	err := r.db.WithContext(ctx).Where("is_active = ?", true).Take(&rec).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return rec, false, nil
	}
	return rec, err == nil, err
}

// activate marks id as the one active model.
func (r *registry) activate(ctx context.Context, id string) (modelRecord, error) {
	rec, err := r.get(ctx, id)
	if err != nil {
		return rec, err
	}
	now := time.Now().UTC()
	err = r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&modelRecord{}).Where("is_active = ? AND id <> ?", true, id).Update("is_active", false).Error; err != nil {
			return err
		}
		return tx.Model(&modelRecord{}).Where("id = ?", id).Updates(map[string]any{"is_active": true, "activated_at": now}).Error
	})
	rec.IsActive, rec.ActivatedAt = true, &now
	return rec, err
}
