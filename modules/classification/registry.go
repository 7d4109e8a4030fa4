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
)

// registry keeps model files in the model directory (content-addressed by
// checksum) and their descriptions in the database.
type registry struct {
	store   *store
	files   *blobstore.Store
	bundled Bundled
	engine  inference.Options // how this deployment serves every model
	budget  int64             // MODEL_MEMORY_MB in bytes
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
	// The memory is checked from the shapes first: building the graphs of
	// a model too large to serve could end the process.
	need, err := inference.MemoryEstimate(m, r.engine)
	if err != nil {
		return modelRecord{}, false, apperr.Wrap(apperr.Invalid, "invalid_model", "the model cannot be served: "+err.Error(), err)
	}
	if need > r.budget {
		return modelRecord{}, false, apperr.New(apperr.Invalid, "model_too_large", fmt.Sprintf(
			"serving this model at BATCH_SIZE %d needs %s in each process, more than MODEL_MEMORY_MB (%s)",
			r.engine.MaxBatch, mb(need), mb(r.budget)))
	}
	// Building an engine proves the architecture and weights fit together.
	eng, err := inference.New(m, inference.Options{MaxBatch: 1, QueueSize: 1, Workers: 1})
	if err != nil {
		return modelRecord{}, false, apperr.Wrap(apperr.Invalid, "invalid_model", "the model cannot be served: "+err.Error(), err)
	}
	eng.Close()
	checksum := blobstore.Sum(data)
	if existing, ok, err := r.store.modelByChecksum(ctx, checksum); ok || err != nil {
		return existing, false, err
	}
	rec := modelRecord{
		ID: uuid.Must(uuid.NewV7()).String(), Name: m.Meta.Name, Version: m.Meta.Version, Checksum: checksum,
		Source: source, SizeBytes: int64(len(data)), InputSize: m.Meta.Input.Height, InputWidth: m.Meta.Input.Width,
		UnknownThreshold: m.Meta.UnknownThreshold, MemoryBytes: need, UploadedBy: uploadedBy, CreatedAt: time.Now().UTC(),
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
		if err := r.files.PutSum(ctx, checksum, data); err != nil {
			return modelRecord{}, false, fmt.Errorf("classification: store model file: %w", err)
		}
		rec.FileName = checksum
	}
	if err := r.store.createModel(ctx, &rec); err != nil {
		if errors.Is(err, errDuplicateModel) {
			existing, _, err := r.store.modelByChecksum(ctx, checksum)
			return existing, false, err
		}
		return modelRecord{}, false, err
	}
	return rec, true, nil
}

// file returns the bytes of a registered model.
func (r *registry) file(ctx context.Context, rec modelRecord) ([]byte, error) {
	if rec.Source == sourceBundled {
		return r.bundled.File, nil
	}
	return r.files.Get(ctx, rec.FileName)
}

// load reads and parses a registered model, checking it is the file the
// registry recorded.
func (r *registry) load(ctx context.Context, rec modelRecord) (*modelfile.Model, error) {
	data, err := r.file(ctx, rec)
	if err != nil {
		return nil, fmt.Errorf("classification: model %s: %w", rec.ID, err)
	}
	if blobstore.Sum(data) != rec.Checksum {
		return nil, fmt.Errorf("classification: model %s: file does not match its checksum", rec.ID)
	}
	return modelfile.Read(bytes.NewReader(data))
}
