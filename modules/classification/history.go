package classification

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

type predictionView struct {
	ID          string           `json:"id"`
	Model       modelRef         `json:"model"`
	Label       string           `json:"label"`
	Confidence  float32          `json:"confidence"`
	Unknown     bool             `json:"unknown"`
	Predictions []predictionJSON `json:"predictions"`
	Image       imageJSON        `json:"image"`
	LatencyMS   float64          `json:"latency_ms"`
	Cached      bool             `json:"cached"`
	CreatedAt   time.Time        `json:"created_at"`
	Feedback    *feedbackView    `json:"feedback,omitempty"`
}

type page[T any] struct {
	Items    []T   `json:"items"`
	Page     int   `json:"page"`
	PageSize int   `json:"page_size"`
	Total    int64 `json:"total"`
}

func viewOf(p prediction, f *feedback) predictionView {
	v := predictionView{
		ID: p.ID, Model: modelRef{ID: p.ModelID, Version: p.ModelVersion}, Label: p.Label,
		Confidence: p.Confidence, Unknown: p.Unknown, LatencyMS: p.LatencyMS, Cached: p.Cached,
		CreatedAt: p.CreatedAt,
		Image: imageJSON{SHA256: p.ImageSHA256, Width: p.ImageWidth, Height: p.ImageHeight,
			Format: p.ImageFormat, SizeBytes: int(p.ImageBytes)},
	}
	_ = json.Unmarshal([]byte(p.TopK), &v.Predictions)
	if f != nil {
		v.Feedback = &feedbackView{f.PredictionID, f.CorrectLabel, f.Note, f.CreatedAt, f.UpdatedAt}
	}
	return v
}

// pagination reads page and page_size (default 20, at most 100).
func pagination(c echo.Context, fields map[string]string) (pageNo, size int) {
	pageNo, size = 1, 20
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fields["page"] = "must be a positive integer"
		}
		pageNo = n
	}
	if v := c.QueryParam("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fields["page_size"] = "must be an integer from 1 to 100"
		}
		size = n
	}
	return pageNo, size
}

// parseTime accepts RFC 3339 times and plain dates.
func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, v)
}

func (m *Module) listPredictions(c echo.Context) error {
	caller, _ := principal.From(c.Request().Context())
	fields := map[string]string{}
	pageNo, size := pagination(c, fields)
	q := m.deps.DB.WithContext(c.Request().Context()).Model(&prediction{}).Where("user_id = ?", caller.ID)
	if v := c.QueryParam("label"); v != "" {
		q = q.Where("label = ?", v)
	}
	if v := c.QueryParam("unknown"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fields["unknown"] = "must be true or false"
		}
		q = q.Where("unknown = ?", b)
	}
	for _, bound := range []struct{ name, op string }{{"from", ">="}, {"to", "<="}} {
		if v := c.QueryParam(bound.name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				fields[bound.name] = "must be a date (2026-11-28) or an RFC 3339 time"
			}
			if bound.name == "to" && len(v) == len(time.DateOnly) {
				t = t.Add(24*time.Hour - time.Nanosecond) // the whole day
			}
			q = q.Where("created_at "+bound.op+" ?", t)
		}
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	out := page[predictionView]{Page: pageNo, PageSize: size, Items: []predictionView{}}
	if err := q.Count(&out.Total).Error; err != nil {
		return err
	}
	var rows []prediction
	if err := q.Order("created_at DESC, id DESC").Limit(size).Offset((pageNo - 1) * size).Find(&rows).Error; err != nil {
		return err
	}
	for _, p := range rows {
		out.Items = append(out.Items, viewOf(p, nil))
	}
	return c.JSON(http.StatusOK, out)
}

// ownPrediction loads a prediction the caller may see: their own, or any
// for an admin. Anyone else's is "not found", so ids cannot be probed.
func (m *Module) ownPrediction(c echo.Context) (prediction, error) {
	caller, _ := principal.From(c.Request().Context())
	var p prediction
	err := m.deps.DB.WithContext(c.Request().Context()).Where("id = ?", c.Param("id")).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && p.UserID != caller.ID && !caller.IsAdmin() {
		return p, apperr.New(apperr.NotFound, "prediction_not_found", "no prediction with this id")
	}
	return p, err
}

func (m *Module) getPrediction(c echo.Context) error {
	p, err := m.ownPrediction(c)
	if err != nil {
		return err
	}
	var f feedback
	err = m.deps.DB.WithContext(c.Request().Context()).Where("prediction_id = ?", p.ID).Take(&f).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return c.JSON(http.StatusOK, viewOf(p, nil))
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, viewOf(p, &f))
}
