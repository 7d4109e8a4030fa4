package classification

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/aquaml/aquaml/platform/principal"
)

// history is one page of a user's predictions (and one row more, when
// another page follows) and how many match, when counted.
func (s *Service) history(ctx context.Context, f historyFilter, pg paging.Request) ([]prediction, *int64, error) {
	return s.store.history(ctx, f, pg)
}

// ownPrediction loads a prediction the caller may see: their own, or any
// for an admin. Anyone else's is "not found", so ids cannot be probed.
func (s *Service) ownPrediction(ctx context.Context, id string) (prediction, error) {
	caller, _ := principal.From(ctx)
	p, err := s.store.prediction(ctx, id)
	if err == nil && p.UserID != caller.ID && !caller.IsAdmin() {
		return p, errPredictionNotFound
	}
	return p, err
}

// prediction is one of the caller's predictions with its feedback, if any.
func (s *Service) prediction(ctx context.Context, id string) (prediction, *feedback, error) {
	p, err := s.ownPrediction(ctx, id)
	if err != nil {
		return p, nil, err
	}
	f, err := s.store.feedbackOf(ctx, p.ID)
	return p, f, err
}

// putFeedback records the caller's correction of p, a prediction
// ownPrediction let them see; created says it is the first feedback on it.
// putFeedback records or replaces a prediction's feedback; a nil note
// keeps the note it had.
func (s *Service) putFeedback(ctx context.Context, p prediction, correctLabel string, note *string) (f feedback, created bool, err error) {
	labels, err := s.modelLabels(ctx, p.ModelID)
	if err != nil {
		return f, false, err
	}
	fields := map[string]string{}
	if correctLabel != unknownLabel && !labels[correctLabel] {
		fields["correct_label"] = "must be one of the model's labels or \"unknown\""
	}
	if note != nil && !validNote(*note) {
		fields["note"] = "must be valid text of at most 1000 characters"
	}
	if len(fields) > 0 {
		return f, false, apperr.Validation(fields)
	}
	caller, _ := principal.From(ctx)
	now := time.Now().UTC()
	f = feedback{PredictionID: p.ID, UserID: caller.ID, CorrectLabel: correctLabel, CreatedAt: now, UpdatedAt: now}
	created, err = s.store.putFeedback(ctx, &f, note)
	return f, created, err
}

func (s *Service) modelLabels(ctx context.Context, modelID string) (map[string]bool, error) {
	rec, err := s.store.model(ctx, modelID)
	if err != nil {
		return nil, err
	}
	var labels []modelfile.Label
	if err := json.Unmarshal([]byte(rec.Labels), &labels); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(labels))
	for _, l := range labels {
		out[l.Name] = true
	}
	return out, nil
}
