package classification

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
)

type predictionView struct {
	ID          string                 `json:"id"`
	Model       inference.ModelRef     `json:"model"`
	Label       string                 `json:"label"`
	Confidence  float32                `json:"confidence"`
	Unknown     bool                   `json:"unknown"`
	Predictions []inference.Prediction `json:"predictions"`
	Image       imageJSON              `json:"image"`
	LatencyMS   float64                `json:"latency_ms"`
	Cached      bool                   `json:"cached"`
	CreatedAt   time.Time              `json:"created_at"`
	Feedback    *feedbackView          `json:"feedback,omitempty"`
}

func viewOf(p prediction, f *feedback) predictionView {
	v := predictionView{
		ID: p.ID, Model: inference.ModelRef{ID: p.ModelID, Name: p.ModelName, Version: p.ModelVersion}, Label: p.Label,
		Confidence: p.Confidence, Unknown: p.Unknown, LatencyMS: p.LatencyMS, Cached: p.Cached,
		CreatedAt: p.CreatedAt,
		Image: imageJSON{SHA256: p.ImageSHA256, Width: p.ImageWidth, Height: p.ImageHeight,
			Format: p.ImageFormat, SizeBytes: int(p.ImageBytes)},
	}
	_ = json.Unmarshal([]byte(p.TopK), &v.Predictions)
	if f != nil {
		fv := feedbackViewOf(*f)
		v.Feedback = &fv
	}
	return v
}

// historyPaging is the prediction history's page sizes.
var historyPaging = paging.Options{DefaultSize: 20, MaxSize: 100, Keyset: true,
	Filters: []string{"label", "model", "unknown", "from", "to"}}

// parseTime accepts RFC 3339 times and plain dates.
func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, v)
}

// parseHistoryFilter reads the history's filters; problems go into fields.
func parseHistoryFilter(c echo.Context, userID string, fields map[string]string) historyFilter {
	f := historyFilter{UserID: userID, Label: c.QueryParam("label"), ModelID: c.QueryParam("model")}
	if len(f.ModelID) > maxModelRef {
		fields["model"] = "is too long for a model id"
	}
	if v := c.QueryParam("unknown"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fields["unknown"] = "must be true or false"
		}
		f.Unknown = &b
	}
	for _, bound := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := c.QueryParam(bound.name)
		if v == "" {
			continue
		}
		t, err := parseTime(v)
		if err != nil {
			fields[bound.name] = "must be a date (2026-11-28) or an RFC 3339 time"
		}
		if bound.name == "to" && len(v) == len(time.DateOnly) {
			t = t.Add(24*time.Hour - time.Nanosecond) // the whole day
		}
		*bound.dst = &t
	}
	return f
}

func (m *Module) listPredictions(c echo.Context) error {
	caller, _ := principal.From(c.Request().Context())
	fields := map[string]string{}
	pg := paging.Parse(c.QueryParams(), historyPaging, fields)
	f := parseHistoryFilter(c, caller.ID, fields)
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	rows, total, err := m.service.history(c.Request().Context(), f, pg)
	if err != nil {
		return err
	}
	items := make([]predictionView, 0, len(rows))
	for _, p := range rows {
		items = append(items, m.withStored(c, viewOf(p, nil)))
	}
	return c.JSON(http.StatusOK, paging.Keyset(pg, items, total, func(v predictionView) paging.Position {
		return paging.Position{Time: v.CreatedAt, ID: v.ID}
	}))
}

func (m *Module) getPrediction(c echo.Context) error {
	p, f, err := m.service.prediction(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m.withStored(c, viewOf(p, f)))
}

// maxDailyRows bounds one answer of daily counts: a year of a busy
// deployment's labels.
const maxDailyRows = 10000

// dailyCounts lists the caller's daily counts of expired predictions
// (those past RETENTION_PREDICTION_DAYS), filtered by from and to dates.
func (m *Module) dailyCounts(c echo.Context) error {
	caller, _ := principal.From(c.Request().Context())
	fields := map[string]string{}
	for name, vs := range c.QueryParams() {
		if name != "from" && name != "to" {
			fields[name] = "is not a parameter of this listing; it takes from, to"
			continue
		}
		if _, err := time.Parse(time.DateOnly, vs[0]); err != nil {
			fields[name] = "must be a date (2026-11-28)"
		}
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	rows, err := m.store.daily(c.Request().Context(), caller.ID, c.QueryParam("from"), c.QueryParam("to"), maxDailyRows)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []dailyCount{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": rows})
}
