package classification

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// The Open Inference Protocol (v2), the REST protocol of KServe and
// Triton, lets tools built for those servers (clients, load generators,
// gateways) talk to AquaML unchanged. Its JSON differs from the rest of the
// API: errors are {"error": "message"}, so the handlers here answer their
// own errors instead of handing them to the central error handler.

// V2Server describes this server in the protocol's server metadata.
type V2Server struct {
	Name    string
	Version string
}

// Names and types the served model shows through the protocol.
const (
	v2InputImage  = "image"         // BYTES [N]: encoded photos, base64
	v2InputTensor = "tensor"        // FP32 [N,3,H,W]: preprocessed images
	v2Output      = "probabilities" // FP32 [N,classes]
	v2Platform    = "gorgonia_aqm"  // <framework>_<model format>
	// v2Classification is Triton's extension returning top-k labels.
	v2Classification = "classification"
	// v2Repository is the model repository extension: index, load, unload.
	v2Repository = "model_repository"
)

// RoutesV2 mounts the protocol's endpoints at the root (/v2/...). The
// metadata and health endpoints are open, since orchestrators probe them;
// infer and the repository index need a user, loading and unloading an
// admin, each behind the given rate limit.
func (m *Module) RoutesV2(e *echo.Echo, server V2Server, limit echo.MiddlewareFunc) {
	user, admin := m.deps.RequireUser, m.deps.RequireAdmin
	e.GET("/v2", m.v2(func(c echo.Context) error {
		return c.JSON(http.StatusOK, v2ServerMetadata{Name: server.Name, Version: server.Version, Extensions: []string{v2Classification, v2Repository}})
	}))
	e.GET("/v2/health/live", m.v2(func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]bool{"live": true})
	}))
	e.GET("/v2/health/ready", m.v2(m.v2ServerReady))
	for _, p := range []string{"/v2/models/:name", "/v2/models/:name/versions/:version"} {
		e.GET(p, m.v2(m.v2ModelMetadata))
		e.GET(p+"/ready", m.v2(m.v2ModelReady))
		e.POST(p+"/infer", m.v2(m.v2Infer), user, limit)
	}
	e.POST("/v2/repository/index", m.v2(m.v2RepositoryIndex), user, limit)
	e.POST("/v2/repository/models/:name/load", m.v2(m.v2RepositoryLoad), admin, limit)
	e.POST("/v2/repository/models/:name/unload", m.v2(m.v2RepositoryUnload), admin, limit)
}

type v2ServerMetadata struct {
	Name       string   `json:"name"`
	Version    string   `json:"version"`
	Extensions []string `json:"extensions"`
}

type v2TensorMetadata struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

type v2ModelMetadata struct {
	Name     string             `json:"name"`
	Versions []string           `json:"versions"`
	Platform string             `json:"platform"`
	Inputs   []v2TensorMetadata `json:"inputs"`
	Outputs  []v2TensorMetadata `json:"outputs"`
}

// v2Error is an error the protocol reports as {"error": msg} with status.
type v2Error struct {
	status int
	msg    string
}

func (e *v2Error) Error() string { return e.msg }

func v2Errorf(status int, format string, args ...any) *v2Error {
	return &v2Error{status: status, msg: fmt.Sprintf(format, args...)}
}

// v2 answers h's errors in the protocol's shape. Anything that is not a
// v2Error is a fault of ours: logged, and a bare 500.
func (m *Module) v2(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := h(c)
		if err == nil || c.Response().Committed {
			return err
		}
		var pe *v2Error
		if !errors.As(err, &pe) {
			m.log.Error("v2 request failed", "method", c.Request().Method, "route", c.Path(), "error", err)
			pe = &v2Error{status: http.StatusInternalServerError, msg: "internal server error"}
		}
		if pe.status == http.StatusServiceUnavailable {
			c.Response().Header().Set("Retry-After", "1")
		}
		return c.JSON(pe.status, map[string]string{"error": pe.msg})
	}
}

func (m *Module) v2ServerReady(c echo.Context) error {
	if m.serving.defaultID() == "" {
		return c.JSON(http.StatusServiceUnavailable, map[string]bool{"ready": false})
	}
	return c.JSON(http.StatusOK, map[string]bool{"ready": true})
}

// v2Acquire returns the served model the path names (its name or
// registry id, and optionally its version), with a reference the caller
// must release.
func (m *Module) v2Acquire(c echo.Context) (*loadedModel, error) {
	name, version := pathParam(c, "name"), pathParam(c, "version")
	ref := name
	if version != "" {
		ref = name + ":" + version
	}
	l, err := m.serving.acquire(ref)
	if err == nil && version != "" && l.record.Version != version { // an id with a version
		l.release()
		err = errModelNotFound
	}
	switch {
	case err == nil:
		return l, nil
	case errors.Is(err, errModelNotLoaded):
		return nil, v2Errorf(http.StatusServiceUnavailable, "model '%s' is not ready: no model is loaded yet", name)
	}
	if _, serr := m.store.modelByRef(c.Request().Context(), ref); serr == nil {
		return nil, v2Errorf(http.StatusServiceUnavailable, "model '%s' is not ready: load it first (POST /v2/repository/models/%s/load)", ref, name)
	}
	if version != "" {
		return nil, v2Errorf(http.StatusNotFound, "model '%s' has no version '%s' in service", name, version)
	}
	return nil, v2Errorf(http.StatusNotFound, "unknown model '%s': this server serves %s", name, m.servedNames())
}

// servedNames lists the names of the models served here, for messages.
func (m *Module) servedNames() string {
	set := m.serving.snapshot()
	if set == nil || len(set.byID) == 0 {
		return "no model yet"
	}
	var names []string
	for _, l := range set.byID {
		if !slices.Contains(names, "'"+l.record.Name+"'") {
			names = append(names, "'"+l.record.Name+"'")
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func (m *Module) v2ModelMetadata(c echo.Context) error {
	l, err := m.v2Acquire(c)
	if err != nil {
		return err
	}
	defer l.release()
	w, h := l.engine.InputSize()
	return c.JSON(http.StatusOK, v2ModelMetadata{
		Name: l.record.Name, Versions: []string{l.record.Version}, Platform: v2Platform,
		// A request carries one of the two inputs: photos or tensors.
		Inputs: []v2TensorMetadata{
			{Name: v2InputImage, Datatype: "BYTES", Shape: []int64{-1}},
			{Name: v2InputTensor, Datatype: "FP32", Shape: []int64{-1, 3, int64(h), int64(w)}},
		},
		Outputs: []v2TensorMetadata{{Name: v2Output, Datatype: "FP32", Shape: []int64{-1, int64(l.engine.Classes())}}},
	})
}

func (m *Module) v2ModelReady(c echo.Context) error {
	l, err := m.v2Acquire(c)
	if err != nil {
		var pe *v2Error
		if errors.As(err, &pe) && pe.status == http.StatusServiceUnavailable {
			return c.JSON(http.StatusServiceUnavailable, map[string]any{"name": pathParam(c, "name"), "ready": false})
		}
		return err
	}
	defer l.release()
	return c.JSON(http.StatusOK, map[string]any{"name": l.record.Name, "ready": true})
}

// pathParam is the unescaped path parameter: the router hands over the
// raw segment when the path was percent-encoded.
func pathParam(c echo.Context, name string) string {
	v := c.Param(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
