package classification

import (
	"context"
	"errors"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/blobstore"
	"github.com/aquaml/aquaml/platform/inference"
)

// What other features (datasets, training) take from classification,
// wired by app/ through the small interfaces they declare.

// RegisterModel registers a model file another feature produced (a
// training job) as an upload by owner, stored only: an admin loads it
// or makes it the default. card, when set, is its model card. A file
// registered before answers its existing record.
func (m *Module) RegisterModel(ctx context.Context, data []byte, owner, card string) (inference.ModelRef, error) {
	rec, _, err := m.registry.register(ctx, data, sourceUpload, &owner, card)
	if err != nil {
		return inference.ModelRef{}, err
	}
	return inference.ModelRef{ID: rec.ID, Name: rec.Name, Version: rec.Version}, nil
}

// ModelFile is the file of a registered, not deleted model (a training
// job fine-tunes from it).
func (m *Module) ModelFile(ctx context.Context, id string) ([]byte, error) {
	rec, err := m.liveModel(ctx, id)
	if err != nil {
		return nil, err
	}
	return m.registry.file(ctx, rec)
}

// CorrectedPhoto is a photo a user classified and then said was another
// species (or confirmed): training data from the field.
type CorrectedPhoto struct {
	PredictionID string
	SHA256       string
	Label        string // the label the user gave
	CreatedAt    time.Time
}

// CorrectedPhotos lists a user's predictions whose feedback gave a label
// and whose photo is kept (STORE_IMAGES), oldest first after the
// prediction id after (empty from the start), reading at most limit of
// the corrections. next is where the following page starts, empty when
// none is left: a page may hold fewer photos than it read, none even,
// when photos were not kept.
func (s *Service) CorrectedPhotos(ctx context.Context, userID, after string, limit int) (photos []CorrectedPhoto, next string, err error) {
	rows, err := s.store.corrections(ctx, userID, after, limit)
	if err != nil {
		return nil, "", err
	}
	if len(rows) == limit {
		next = rows[len(rows)-1].PredictionID
	}
	out := make([]CorrectedPhoto, 0, len(rows))
	for _, r := range rows {
		if r.CorrectLabel == unknownLabel || !s.images.Has(ctx, r.ImageSHA256) {
			continue
		}
		out = append(out, CorrectedPhoto{PredictionID: r.PredictionID, SHA256: r.ImageSHA256, Label: r.CorrectLabel, CreatedAt: r.CreatedAt})
	}
	return out, next, nil
}

// StoredPhoto reads a photo kept by STORE_IMAGES.
func (s *Service) StoredPhoto(ctx context.Context, sha256 string) ([]byte, error) {
	data, err := s.images.Get(ctx, sha256)
	if errors.Is(err, blobstore.ErrNotFound) {
		return nil, apperr.New(apperr.NotFound, "photo_not_found", "the photo is not kept (STORE_IMAGES is off, or it was removed)")
	}
	return data, err
}
