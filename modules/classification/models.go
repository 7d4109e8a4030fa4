package classification

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
)

type modelView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	Checksum  string `json:"checksum"`
	Source    string `json:"source"`
	SizeBytes int64  `json:"size_bytes"`
	// Input is WIDTHxHEIGHT in pixels, e.g. "128x64".
	Input string `json:"input"`
	// InputSize is the input's height: the side of a square input, as it
	// was before inputs had a width of their own.
	InputSize        int                `json:"input_size"`
	UnknownThreshold float32            `json:"unknown_threshold"`
	Active           bool               `json:"active"`  // the deployment's default
	Ready            bool               `json:"ready"`   // served by every process
	Serving          bool               `json:"serving"` // loaded in the process that answered
	MemoryMB         float64            `json:"memory_mb"`
	Rollout          *rollout           `json:"rollout,omitempty"`
	Metrics          *modelfile.Metrics `json:"metrics,omitempty"`
	Labels           []modelfile.Label  `json:"labels,omitempty"`
	Card             string             `json:"card,omitempty"`
	CreatedAt        time.Time          `json:"created_at"`
	ActivatedAt      *time.Time         `json:"activated_at,omitempty"`
}

func (m *Module) view(r modelRecord, detail bool) modelView {
	v := modelView{
		ID: r.ID, Name: r.Name, Version: r.Version, Checksum: r.Checksum, Source: r.Source,
		SizeBytes: r.SizeBytes, Input: inputOf(r), InputSize: r.InputSize, UnknownThreshold: r.UnknownThreshold,
		Active: r.IsActive, Ready: r.Ready || r.IsActive, Serving: m.serving.loaded(r.ID),
		MemoryMB:  float64(r.MemoryBytes*10>>20) / 10,
		CreatedAt: r.CreatedAt, ActivatedAt: r.ActivatedAt,
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
	rec, err := m.liveModel(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	v := m.view(rec, true)
	if states, err := m.presence.processes(c.Request().Context()); err == nil && len(states) > 0 {
		r := rolloutOf(states, rec.ID, time.Time{})
		v.Rollout = &r
	}
	return c.JSON(http.StatusOK, v)
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
	rec, err := m.makeDefault(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m.view(rec, false))
}

// loadModel answers 200 once every process serves the model, 202 while
// some are still loading it.
func (m *Module) loadModel(c echo.Context) error {
	rec, r, err := m.makeReady(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	v := m.view(rec, false)
	v.Rollout = &r
	if !r.complete() {
		return c.JSON(http.StatusAccepted, v)
	}
	return c.JSON(http.StatusOK, v)
}

func (m *Module) unloadModel(c echo.Context) error {
	rec, err := m.unload(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m.view(rec, false))
}

func (m *Module) deleteModel(c echo.Context) error {
	if err := m.remove(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Health reports the models in service for /health/detailed and /ready:
// ready once the default is loaded.
func (m *Module) Health(context.Context) (map[string]any, error) {
	l, err := m.serving.acquire("")
	if err != nil {
		return map[string]any{"loaded": false}, err
	}
	defer l.release()
	return map[string]any{"loaded": true, "id": l.record.ID, "name": l.record.Name, "version": l.record.Version,
		"serving": len(m.serving.snapshot().byID)}, nil
}

// inputOf writes a model's input as WIDTHxHEIGHT. A width of 0 is a row
// written before widths were recorded, always of a square model.
func inputOf(r modelRecord) string {
	w := r.InputWidth
	if w == 0 {
		w = r.InputSize
	}
	return strconv.Itoa(w) + "x" + strconv.Itoa(r.InputSize)
}
