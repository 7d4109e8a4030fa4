package classification

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

// The protocol's model repository extension: list every model the
// registry holds with its state, and load or unload one by name.

type v2RepositoryEntry struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	State   string `json:"state"` // READY or UNAVAILABLE
	Reason  string `json:"reason,omitempty"`
}

// v2RepositoryIndex answers every registered model; {"ready": true} in
// the body keeps only those served here.
func (m *Module) v2RepositoryIndex(c echo.Context) error {
	var req struct {
		Ready bool `json:"ready"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeV2JSON(c, &req); err != nil {
			return err
		}
	}
	recs, err := m.store.models(c.Request().Context())
	if err != nil {
		return err
	}
	set := m.serving.snapshot()
	out := make([]v2RepositoryEntry, 0, len(recs))
	for _, r := range recs {
		e := v2RepositoryEntry{Name: r.Name, Version: r.Version, State: "READY"}
		if set.get(r.ID) == nil {
			e.State = "UNAVAILABLE"
			switch f, failed := set.failedOf(r.ID); {
			case failed:
				e.Reason = f
			case r.Ready || r.IsActive:
				e.Reason = "loading"
			default:
				e.Reason = "stored, not loaded"
			}
		}
		if req.Ready && e.State != "READY" {
			continue
		}
		out = append(out, e)
	}
	return c.JSON(http.StatusOK, out)
}

// v2RepositoryLoad loads the newest registered version of the named
// model (or the version named name:version, or the id).
func (m *Module) v2RepositoryLoad(c echo.Context) error {
	ctx := c.Request().Context()
	rec, err := m.store.modelByRef(ctx, pathParam(c, "name"))
	if err != nil {
		return v2ErrorOf(err)
	}
	if _, _, err := m.makeReady(ctx, rec.ID); err != nil {
		return v2ErrorOf(err)
	}
	return c.JSON(http.StatusOK, struct{}{})
}

// v2RepositoryUnload unloads every ready version of the named model; the
// default cannot be unloaded.
func (m *Module) v2RepositoryUnload(c echo.Context) error {
	ctx := c.Request().Context()
	name := pathParam(c, "name")
	recs, err := m.versionsOf(ctx, name)
	if err != nil {
		return v2ErrorOf(err)
	}
	for _, r := range recs {
		if !r.Ready && !r.IsActive {
			continue
		}
		if _, err := m.unload(ctx, r.ID); err != nil {
			return v2ErrorOf(err)
		}
	}
	return c.JSON(http.StatusOK, struct{}{})
}

// versionsOf is every registered version of a model name (or the one
// model an id or name:version names).
func (m *Module) versionsOf(ctx context.Context, name string) ([]modelRecord, error) {
	recs, err := m.store.models(ctx)
	if err != nil {
		return nil, err
	}
	var out []modelRecord
	for _, r := range recs {
		if r.Name == name || r.ID == name || r.Name+":"+r.Version == name {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, errModelNotFound
	}
	return out, nil
}

// v2ErrorOf reshapes a service error for the protocol.
func v2ErrorOf(err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	status := map[apperr.Kind]int{
		apperr.NotFound: http.StatusNotFound, apperr.Conflict: http.StatusConflict,
		apperr.Invalid: http.StatusBadRequest, apperr.BadRequest: http.StatusBadRequest,
		apperr.Unavailable: http.StatusServiceUnavailable, apperr.TooLarge: http.StatusRequestEntityTooLarge,
		apperr.Unsupported: http.StatusBadRequest,
	}[e.Kind]
	if status == 0 {
		return err
	}
	return v2Errorf(status, "%s", e.Message)
}

// decodeV2JSON reads a small JSON body for the repository endpoints.
func decodeV2JSON(c echo.Context, dst any) error {
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 64<<10))
	if err := dec.Decode(dst); err != nil && !errors.Is(err, io.EOF) {
		return v2Errorf(http.StatusBadRequest, "the body must be a JSON object such as {\"ready\": true}")
	}
	return nil
}
