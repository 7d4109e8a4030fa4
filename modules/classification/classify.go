package classification

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/blobstore"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/imageio"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

type predictionJSON struct {
	Label          string  `json:"label"`
	ScientificName string  `json:"scientific_name"`
	CommonName     string  `json:"common_name"`
	Confidence     float32 `json:"confidence"`
}

type imageJSON struct {
	SHA256    string `json:"sha256"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Format    string `json:"format"`
	SizeBytes int    `json:"size_bytes"`
}

type modelRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

type classifyResponse struct {
	PredictionID string           `json:"prediction_id"`
	Model        modelRef         `json:"model"`
	Predictions  []predictionJSON `json:"predictions"`
	Unknown      bool             `json:"unknown"`
	Image        imageJSON        `json:"image"`
	LatencyMS    float64          `json:"latency_ms"`
	Cached       bool             `json:"cached"`
}

func (m *Module) classify(c echo.Context) error {
	start := time.Now()
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	up, err := readUpload(c)
	if err != nil {
		return err
	}
	s := m.runtime.acquire()
	if s == nil {
		return apperr.New(apperr.Unavailable, "model_not_loaded", "the model is still loading; retry shortly")
	}
	defer s.release()

	sha := blobstore.Sum(up.data)
	key := cacheKey(s.record.ID, up.topK, sha)
	ans, cached := m.cache.get(ctx, key)
	if !cached {
		res, err := s.engine.Classify(ctx, up.data, up.topK)
		if err != nil {
			return classifyError(err)
		}
		ans = answerOf(res, sha, len(up.data))
	}
	if m.cfg.StoreImages {
		if _, err := m.images.Put(up.data); err != nil {
			return apperr.Wrap(apperr.Unavailable, "storage_unavailable", "the photo could not be stored; retry later", err)
		}
	}
	resp := classifyResponse{
		PredictionID: uuid.Must(uuid.NewV7()).String(),
		Model:        modelRef{ID: s.record.ID, Name: s.record.Name, Version: s.record.Version},
		Predictions:  ans.Predictions, Unknown: ans.Unknown, Image: ans.Image, Cached: cached,
		LatencyMS: float64(time.Since(start).Microseconds()) / 1000,
	}
	if err := m.store(ctx, caller.ID, resp); err != nil {
		return err
	}
	if !cached {
		m.cache.put(ctx, key, ans)
	}
	m.metrics.observePrediction(s.record.Version, ans.Predictions[0].Label, ans.Unknown)
	return c.JSON(http.StatusOK, resp)
}

// store writes the prediction in one statement: it is there in full, or
// (on error) not at all.
func (m *Module) store(ctx context.Context, userID string, r classifyResponse) error {
	topK, _ := json.Marshal(r.Predictions)
	row := prediction{
		ID: r.PredictionID, UserID: userID, ModelID: r.Model.ID, ModelVersion: r.Model.Version,
		ImageSHA256: r.Image.SHA256, ImageBytes: int64(r.Image.SizeBytes), ImageWidth: r.Image.Width,
		ImageHeight: r.Image.Height, ImageFormat: r.Image.Format, TopK: string(topK),
		Label: r.Predictions[0].Label, Confidence: r.Predictions[0].Confidence, Unknown: r.Unknown,
		Cached: r.Cached, LatencyMS: r.LatencyMS, CreatedAt: time.Now().UTC(),
	}
	return m.deps.DB.WithContext(ctx).Create(&row).Error
}

func answerOf(res inference.Result, sha string, size int) cachedAnswer {
	a := cachedAnswer{
		Unknown: res.Unknown,
		Image:   imageJSON{SHA256: sha, Width: res.Image.Width, Height: res.Image.Height, Format: res.Image.Format, SizeBytes: size},
	}
	for _, p := range res.Predictions {
		a.Predictions = append(a.Predictions, predictionJSON{p.Label, p.ScientificName, p.CommonName, p.Confidence})
	}
	return a
}

// classifyError maps engine failures to what the client can act on.
func classifyError(err error) error {
	switch {
	case errors.Is(err, imageio.ErrUnsupportedFormat):
		return apperr.Wrap(apperr.Unsupported, "unsupported_image", "not an image in a supported format (JPEG, PNG, GIF, BMP, WebP)", err)
	case errors.Is(err, imageio.ErrTooLarge):
		return apperr.Wrap(apperr.TooLarge, "image_too_large", "the image has too many pixels", err)
	case errors.Is(err, imageio.ErrCorrupt):
		return apperr.Wrap(apperr.Invalid, "corrupt_image", "the image is truncated or corrupt", err)
	case errors.Is(err, inference.ErrOverloaded), errors.Is(err, inference.ErrClosed):
		e := apperr.Wrap(apperr.Unavailable, "overloaded", "the classifier is busy; retry shortly", err)
		e.RetryAfter = time.Second
		return e
	}
	return err
}
