package apptest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aquaml/aquaml/app/apidocs"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// opsPaths are served outside the API contract (scrapers and probes call
// them); should they ever leave the spec, their answers are not checked.
var opsPaths = []string{"/metrics", "/health", "/health/detailed", "/live", "/ready"}

// contract is the spec parsed once for an API prefix, with its router.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	errors []*openapi3.Schema // the shapes a 404 or 405 off the spec may take
}

var contracts sync.Map // API prefix -> *contract, or error

// contractFor parses the spec served under prefix, once per test binary.
func contractFor(prefix string) (*contract, error) {
	if v, ok := contracts.Load(prefix); ok {
		if err, bad := v.(error); bad {
			return nil, err
		}
		return v.(*contract), nil
	}
	c, err := parseContract(prefix)
	if err != nil {
		contracts.Store(prefix, err)
		return nil, err
	}
	v, _ := contracts.LoadOrStore(prefix, c)
	return v.(*contract), nil
}

func parseContract(prefix string) (*contract, error) {
	docs, err := apidocs.Load(prefix)
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(docs.JSONBytes())
	if err != nil {
		return nil, fmt.Errorf("apptest: the OpenAPI spec does not load: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("apptest: the OpenAPI spec is invalid: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("apptest: OpenAPI router: %w", err)
	}
	c := &contract{doc: doc, router: router}
	for _, name := range []string{"Error", "V2Error"} {
		if s := doc.Components.Schemas[name]; s != nil {
			c.errors = append(c.errors, s.Value)
		}
	}
	return c, nil
}

// specCheck is the test client's transport: every answer it carries is
// checked against the spec, and a mismatch fails the test with the
// operation and the field that disagree.
type specCheck struct {
	base     http.RoundTripper
	contract *contract
	t        testing.TB
}

func (s *specCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := s.base.RoundTrip(req)
	if err != nil {
		return res, err
	}
	if msg := s.check(req, res); msg != "" {
		s.t.Errorf("openapi: %s %s answered %d: %s", req.Method, req.URL.Path, res.StatusCode, msg)
	}
	return res, nil
}

// CloseIdleConnections lets Client.CloseIdleConnections reach the base
// transport when the App stops.
func (s *specCheck) CloseIdleConnections() {
	if c, ok := s.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// check returns why res breaks the spec, or "".
func (s *specCheck) check(req *http.Request, res *http.Response) string {
	if req.Method == http.MethodOptions {
		return "" // CORS preflights and Allow answers, for every path alike
	}
	route, params, err := s.contract.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		if slices.Contains(opsPaths, req.URL.Path) {
			return ""
		}
		// Unknown paths are rate limited like known ones, so a scanner may
		// be told 429 before it is told 404.
		if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusTooManyRequests {
			return "the path is not in the OpenAPI spec (add it to the module's fragment in app/apidocs/spec/)"
		}
		return s.offSpecError(res)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		if res.StatusCode != http.StatusMethodNotAllowed {
			return "the method is not in the OpenAPI spec for this path (add the operation to app/apidocs/spec/)"
		}
		if res.Header.Get("Allow") == "" {
			return "405 without an Allow header"
		}
		return s.offSpecError(res)
	case err != nil:
		return "cannot match the request to the spec: " + err.Error()
	}
	op := fmt.Sprintf("operation %s (%s %s)", route.Operation.OperationID, req.Method, route.Path)
	if serviceWide(res.StatusCode) && route.Operation.Responses.Status(res.StatusCode) == nil {
		return s.offSpecError(res)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if streamed(res) {
		// An event stream lasts as long as the test reads it: check the
		// status and headers now, and leave the body to the test.
		input.Options.ExcludeResponseBody = true
	} else {
		data, err := io.ReadAll(res.Body)
		res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(data))
		if err != nil {
			return "" // the test sees the read error itself
		}
		if res.Header.Get("Content-Encoding") == "gzip" {
			// The test asked for gzip itself, so the transport left it
			// compressed; the spec describes what is inside.
			if data, err = gunzip(data); err != nil {
				return "the gzip body does not decompress: " + err.Error()
			}
		}
		input.SetBodyBytes(data)
	}
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		return op + " does not match the spec: " + describe(err)
	}
	return ""
}

// serviceWide are the statuses any operation may answer, which the spec
// states once (info.description) rather than on every operation: the
// database unreachable or the service starting (503), a full disk (507).
func serviceWide(status int) bool {
	return status == http.StatusServiceUnavailable || status == http.StatusInsufficientStorage
}

// offSpecError checks a 404 or 405 for a route the spec does not have, or
// a service-wide answer: it must still carry one of the API's error shapes.
func (s *specCheck) offSpecError(res *http.Response) string {
	if res.Request != nil && res.Request.Method == http.MethodHead {
		return ""
	}
	data, err := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return ""
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		return fmt.Sprintf("the body is not JSON: %.200q", data)
	}
	for _, schema := range s.contract.errors {
		if schema.VisitJSON(v) == nil {
			return ""
		}
	}
	return fmt.Sprintf("the body is not an error of the API's shapes (Error, V2Error): %.200s", data)
}

func gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

func streamed(res *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	return mt == "text/event-stream"
}

// describe says which fields disagree, one per line, without kin-openapi's
// dumps of the whole schema and value.
func describe(err error) string {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var lines []string
		for _, e := range me {
			lines = append(lines, describe(e))
		}
		return strings.Join(lines, "; ")
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		at := "/" + strings.Join(se.JSONPointer(), "/")
		return fmt.Sprintf("body field %q: %s", at, se.Reason)
	}
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) {
		if re.Err != nil {
			if inner := describe(re.Err); inner != re.Err.Error() {
				return inner
			}
			return re.Reason + ": " + re.Err.Error()
		}
		return re.Reason
	}
	return err.Error()
}
