package classification

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/blobstore"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/google/uuid"
)

// Service classifies photos for every caller: the REST API, the Open
// Inference Protocol and batch workers. It is safe for concurrent use.
type Service struct {
	serving     *serving
	cache       *cache
	store       *store
	images      *blobstore.Store
	storeImages bool
	metrics     *metrics
}

// Classify answers one request: the model it names (or the default), then
// the result cache, the engine, the image store, the prediction history
// and the cache again. Errors are apperr errors: a photo's own fault
// (unsupported_image, image_too_large, corrupt_image), overloaded or
// model_not_loaded (retry), or a storage failure.
func (s *Service) Classify(ctx context.Context, req inference.Request) (inference.Answer, error) {
	start := time.Now()
	lm, err := s.serving.acquire(req.Model)
	if err != nil {
		return inference.Answer{}, s.explainMiss(ctx, req.Model, err)
	}
	defer lm.release()
	if req.Tensor != nil {
		res, err := lm.engine.ClassifyTensor(ctx, req.Tensor, req.TopK)
		if err != nil {
			return inference.Answer{}, inference.APIError(err)
		}
		// Preprocessed values far out of range make the network overflow;
		// photos cannot (their pixels are bounded).
		if !finite(res.Probabilities) {
			return inference.Answer{}, apperr.New(apperr.Invalid, "bad_tensor",
				"the model's output is not a number for this input: its values are far outside the normalised range")
		}
		s.metrics.observePrediction(lm.ref(), res.Predictions[0].Label, res.Unknown)
		return inference.Answer{Result: res, Model: lm.ref(), Latency: time.Since(start)}, nil
	}

	ans := inference.Answer{Model: lm.ref(), SHA256: req.SHA256, SizeBytes: len(req.Photo)}
	if ans.SHA256 == "" {
		ans.SHA256 = blobstore.Sum(req.Photo)
	}
	key := cacheKey(lm.record.ID, req.TopK, ans.SHA256)
	ans.Result, ans.Cached = s.cache.get(ctx, key)
	if !ans.Cached {
		if ans.Result, err = lm.engine.Classify(ctx, req.Photo, req.TopK); err != nil {
			return inference.Answer{}, inference.APIError(err)
		}
	}
	if req.History != "" && s.storeImages {
		if err := s.images.PutSum(ctx, ans.SHA256, req.Photo); err != nil {
			return inference.Answer{}, apperr.Wrap(apperr.Unavailable, "storage_unavailable", "the photo could not be stored; retry later", err)
		}
	}
	ans.Latency = time.Since(start)
	if req.History != "" {
		ans.PredictionID = uuid.Must(uuid.NewV7()).String()
		if err := s.record(ctx, req.History, ans); err != nil {
			return inference.Answer{}, err
		}
	}
	if !ans.Cached {
		s.cache.put(ctx, key, ans.Result)
	}
	s.metrics.observePrediction(ans.Model, ans.Predictions[0].Label, ans.Unknown)
	return ans, nil
}

// record adds the answer to the user's prediction history.
func (s *Service) record(ctx context.Context, userID string, a inference.Answer) error {
	topK, err := json.Marshal(a.Predictions)
	if err != nil {
		return fmt.Errorf("classification: %w", err)
	}
	return s.store.insertPrediction(ctx, &prediction{
		ID: a.PredictionID, UserID: userID, ModelID: a.Model.ID, ModelName: a.Model.Name, ModelVersion: a.Model.Version,
		ImageSHA256: a.SHA256, ImageBytes: int64(a.SizeBytes), ImageWidth: a.Image.Width,
		ImageHeight: a.Image.Height, ImageFormat: a.Image.Format, TopK: string(topK),
		Label: a.Predictions[0].Label, Confidence: a.Predictions[0].Confidence, Unknown: a.Unknown,
		Cached: a.Cached, LatencyMS: latencyMS(a.Latency), CreatedAt: time.Now().UTC(),
	})
}

// latencyMS is a duration in milliseconds with microsecond precision.
func latencyMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// explainMiss tells a client why the model it named is not served here:
// unknown (404), stored but not loaded (409), or loaded elsewhere and
// still loading here (503, retry).
func (s *Service) explainMiss(ctx context.Context, ref string, err error) error {
	if ref == "" || apperr.KindOf(err) != apperr.NotFound {
		return err
	}
	rec, serr := s.store.modelByRef(ctx, ref)
	switch {
	case errors.Is(serr, errModelNotFound):
		return apperr.New(apperr.NotFound, "model_not_found", "no model "+strconv.Quote(ref)+" is registered")
	case serr != nil:
		return serr
	case !rec.Ready && !rec.IsActive:
		return apperr.New(apperr.Conflict, "model_not_ready", "model "+rec.Name+":"+rec.Version+
			" is stored but not loaded: an admin loads it with POST /models/"+rec.ID+"/load")
	}
	e := apperr.New(apperr.Unavailable, "model_loading", "model "+rec.Name+":"+rec.Version+" is still loading here; retry shortly")
	e.RetryAfter = time.Second
	return e
}

// Resolve names the model a request for ref would use now (empty: the
// default), with the errors Classify would give; batches pin it at submit.
func (s *Service) Resolve(ctx context.Context, ref string) (inference.ModelRef, error) {
	lm, err := s.serving.acquire(ref)
	if err != nil {
		return inference.ModelRef{}, s.explainMiss(ctx, ref, err)
	}
	defer lm.release()
	return lm.ref(), nil
}

func finite(xs []float32) bool {
	for _, x := range xs {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}
