package classification

import (
	"context"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference"
)

// Served names the model that produced an answer.
type Served struct {
	ID, Name, Version string
}

// Classify classifies one photo with the model in service, for work that
// does not come through the HTTP API (batch jobs). Concurrent calls share
// the engine's batches. Errors are those of inference.Engine.Classify, or
// an Unavailable apperr before the first model is loaded.
func (m *Module) Classify(ctx context.Context, data []byte, topK int) (inference.Result, Served, error) {
	s := m.runtime.acquire()
	if s == nil {
		return inference.Result{}, Served{}, apperr.New(apperr.Unavailable, "model_not_loaded", "the model is still loading; retry shortly")
	}
	defer s.release()
	res, err := s.engine.Classify(ctx, data, topK)
	return res, Served{ID: s.record.ID, Name: s.record.Name, Version: s.record.Version}, err
}
