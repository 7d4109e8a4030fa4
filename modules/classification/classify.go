package classification

import (
	"net/http"

	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
)

type imageJSON struct {
	SHA256    string `json:"sha256"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Format    string `json:"format"`
	SizeBytes int    `json:"size_bytes"`
	// Stored says the photo is kept (STORE_IMAGES) and served at
	// /predictions/{id}/image; set in the history only.
	Stored bool `json:"stored,omitempty"`
}

type classifyResponse struct {
	PredictionID string                 `json:"prediction_id"`
	Model        inference.ModelRef     `json:"model"`
	Predictions  []inference.Prediction `json:"predictions"`
	Unknown      bool                   `json:"unknown"`
	Image        imageJSON              `json:"image"`
	LatencyMS    float64                `json:"latency_ms"`
	Cached       bool                   `json:"cached"`
}

func (m *Module) classify(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	up, err := readUpload(c)
	if err != nil {
		return err
	}
	a, err := m.service.Classify(ctx, inference.Request{Photo: up.data, TopK: up.topK, Model: up.model, History: caller.ID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, classifyResponse{
		PredictionID: a.PredictionID, Model: a.Model, Predictions: a.Predictions, Unknown: a.Unknown,
		Image: imageJSON{SHA256: a.SHA256, Width: a.Image.Width, Height: a.Image.Height,
			Format: a.Image.Format, SizeBytes: a.SizeBytes},
		LatencyMS: latencyMS(a.Latency), Cached: a.Cached,
	})
}
