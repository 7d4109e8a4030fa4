package classification

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
)

type modelView struct {
	ID               string             `json:"id"`
	Name             string             `json:"name"`
	Version          string             `json:"version"`
	Checksum         string             `json:"checksum"`
	Source           string             `json:"source"`
	SizeBytes        int64              `json:"size_bytes"`
	InputSize        int                `json:"input_size"`
	UnknownThreshold float32            `json:"unknown_threshold"`
	Active           bool               `json:"active"`
	Serving          bool               `json:"serving"` // in service in this process
	Metrics          *modelfile.Metrics `json:"metrics,omitempty"`
	Labels           []modelfile.Label  `json:"labels,omitempty"`
	Card             string             `json:"card,omitempty"`
	CreatedAt        time.Time          `json:"created_at"`
	ActivatedAt      *time.Time         `json:"activated_at,omitempty"`
}

func (m *Module) view(r modelRecord, detail bool) modelView {
	v := modelView{
		ID: r.ID, Name: r.Name, Version: r.Version, Checksum: r.Checksum, Source: r.Source,
		SizeBytes: r.SizeBytes, InputSize: r.InputSize, UnknownThreshold: r.UnknownThreshold,
		Active: r.IsActive, Serving: m.serving.activeID() == r.ID, CreatedAt: r.CreatedAt, ActivatedAt: r.ActivatedAt,
	}
	var metrics modelfile.Metrics
	if json.Unmarshal([]byte(r.Metrics), &metrics) == nil && metrics.Split != "" {
		if !detail {
			metrics.PerClass = nil
		}
		v.Metrics = &metrics
	}
	if detail {
		_ = json.Unmarshal([]byte(r.Labels), &v.Labels)
		v.Card = r.Card
	}
	return v
}

func (m *Module) listModels(c echo.Context) error {
	recs, err := m.store.models(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]modelView, 0, len(recs))
	for _, r := range recs {
		out = append(out, m.view(r, false))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

func (m *Module) getModel(c echo.Context) error {
	rec, err := m.store.model(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m.view(rec, true))
}

// uploadModel registers a model file sent as multipart field "file" or as
// the raw body. It is validated and stored, never activated by the upload.
func (m *Module) uploadModel(c echo.Context) error {
	var data []byte
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt == echo.MIMEMultipartForm {
		fh, err := c.FormFile("file")
		if err != nil {
			return apperr.Validation(map[string]string{"file": "the model file is required (multipart field \"file\")"})
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		if data, err = io.ReadAll(f); err != nil {
			return err
		}
	} else {
		var err error
		if data, err = io.ReadAll(c.Request().Body); err != nil {
			return apperr.Wrap(apperr.BadRequest, "bad_body", "the upload was cut short", err)
		}
	}
	if len(data) == 0 {
		return apperr.Validation(map[string]string{"file": "the model file is required"})
	}
	caller, _ := principal.From(c.Request().Context())
	rec, created, err := m.registry.register(c.Request().Context(), data, sourceUpload, &caller.ID, "")
	if err != nil {
		return err
	}
	if !created {
		return apperr.New(apperr.Conflict, "model_exists", "this model file is already registered as "+rec.ID)
	}
	return c.JSON(http.StatusCreated, m.view(rec, true))
}

func (m *Module) activateModel(c echo.Context) error {
	rec, err := m.activate(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m.view(rec, false))
}

// activate puts a model in service here at once and tells every other
// process to follow. The model is loaded before the database marks it
// active, so a model that cannot be served never becomes the active one.
func (m *Module) activate(ctx context.Context, id string) (modelRecord, error) {
	rec, err := m.store.model(ctx, id)
	if err != nil {
		return rec, err
	}
	if _, err := m.registry.load(ctx, rec); err != nil {
		return rec, apperr.Wrap(apperr.Conflict, "model_unavailable", "the model file cannot be loaded here", err)
	}
	now := time.Now().UTC()
	if err := m.store.activate(ctx, rec.ID, now); err != nil {
		return rec, err
	}
	rec.IsActive, rec.ActivatedAt = true, &now
	if err := m.serve(ctx, rec); err != nil {
		return rec, err
	}
	m.announce(ctx, rec.ID)
	return rec, nil
}

// Health reports the model in service for /health/detailed and /ready.
func (m *Module) Health(context.Context) (map[string]any, error) {
	l, err := m.serving.acquire("")
	if err != nil {
		return map[string]any{"loaded": false}, err
	}
	defer l.release()
	return map[string]any{"loaded": true, "id": l.record.ID, "name": l.record.Name, "version": l.record.Version}, nil
}
