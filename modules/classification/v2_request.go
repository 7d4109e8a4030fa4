package classification

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// The inference request as the protocol defines it. Lists are decoded
// with a bound, so a small body cannot make the server allocate a large
// multiple of it; input and request parameters carry nothing this server
// uses and are skipped.
type v2InferRequest struct {
	ID      string      `json:"id"`
	Inputs  v2Inputs    `json:"inputs"`
	Outputs v2Requested `json:"outputs"`
}

type v2Input struct {
	Name     string          `json:"name"`
	Shape    v2Shape         `json:"shape"`
	Datatype string          `json:"datatype"`
	Data     json.RawMessage `json:"data"`
}

type v2RequestedOutput struct {
	Name       string `json:"name"`
	Parameters struct {
		Classification json.RawMessage `json:"classification"`
	} `json:"parameters"`
}

type (
	v2Inputs    []v2Input
	v2Requested []v2RequestedOutput
	v2Shape     []int64
)

func (l *v2Inputs) UnmarshalJSON(b []byte) (err error) {
	*l, err = v2List[v2Input](b, 4, "inputs")
	return err
}

func (l *v2Requested) UnmarshalJSON(b []byte) (err error) {
	*l, err = v2List[v2RequestedOutput](b, 4, "outputs")
	return err
}

func (s *v2Shape) UnmarshalJSON(b []byte) error {
	dims, err := v2List[json.Number](b, 8, "shape dimensions")
	if err != nil {
		return err
	}
	*s = make(v2Shape, len(dims))
	for i, d := range dims {
		v, err := strconv.ParseInt(d.String(), 10, 64)
		if err != nil || v < 0 {
			return v2Errorf(http.StatusBadRequest, "shape dimensions must be non-negative integers, got %s", d)
		}
		(*s)[i] = v
	}
	return nil
}

// v2List decodes a JSON list of at most limit elements (null is empty).
func v2List[T any](b []byte, limit int, what string) ([]T, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil {
		return nil, err
	} else if tok == nil {
		return nil, nil
	} else if tok != json.Delim('[') {
		return nil, v2Errorf(http.StatusBadRequest, "%s must be a list", what)
	}
	var out []T
	for dec.More() {
		if len(out) == limit {
			return nil, v2Errorf(http.StatusBadRequest, "too many %s: at most %d", what, limit)
		}
		var v T
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// readV2Request decodes the body: one JSON object, nothing after it.
func readV2Request(r *http.Request) (v2InferRequest, error) {
	var req v2InferRequest
	dec := json.NewDecoder(r.Body)
	err := dec.Decode(&req)
	if err == nil {
		if _, after := dec.Token(); after != io.EOF {
			err = errors.New("data after the request object")
		}
	}
	var (
		pe *v2Error
		mb *http.MaxBytesError
	)
	switch {
	case err == nil:
		return req, nil
	case errors.As(err, &pe):
		return req, pe
	case errors.As(err, &mb):
		return req, v2Errorf(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d MB", mb.Limit>>20)
	case errors.Is(err, io.EOF):
		return req, v2Errorf(http.StatusBadRequest, "the request body is empty: expected an inference request object")
	}
	return req, v2Errorf(http.StatusBadRequest, "malformed inference request: %s", jsonProblem(err))
}

// jsonProblem describes a JSON decoding error in the protocol's terms,
// never in Go's (no Go type or struct names reach the client).
func jsonProblem(err error) string {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		want := map[reflect.Kind]string{
			reflect.String: "a string", reflect.Slice: "an array", reflect.Array: "an array",
			reflect.Map: "an object", reflect.Struct: "an object", reflect.Bool: "true or false",
		}[typ.Type.Kind()]
		if want == "" {
			want = "a number"
		}
		field := typ.Field
		if field == "" {
			field = "the request"
		}
		return fmt.Sprintf("%s must be %s, not %s", field, want, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	}
	return err.Error()
}

// v2DecodeImages reads n base64 strings, as a flat list or, for shape
// [N,1], also as a list of one-element lists.
func v2DecodeImages(data json.RawMessage, n int, nested bool) ([][]byte, error) {
	if len(data) == 0 {
		return nil, v2Errorf(http.StatusBadRequest, "the input has no data")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, v2Errorf(http.StatusBadRequest, "BYTES data must be a list of base64 strings")
	}
	images := make([][]byte, 0, n)
	for dec.More() {
		if len(images) == n {
			return nil, v2Errorf(http.StatusBadRequest, "the data holds more than the %d elements the shape says", n)
		}
		tok, err := dec.Token()
		if nested && tok == json.Delim('[') {
			tok, err = dec.Token()
			if end, _ := dec.Token(); err == nil && end != json.Delim(']') {
				err = errors.New("not one element")
			}
		}
		s, ok := tok.(string)
		if err != nil || !ok {
			return nil, v2Errorf(http.StatusBadRequest, "BYTES data element %d must be a base64 string", len(images))
		}
		img, err := decodeBase64(s)
		if err != nil {
			return nil, v2Errorf(http.StatusBadRequest, "image %d: the data is not valid base64", len(images))
		}
		images = append(images, img)
	}
	if len(images) != n {
		return nil, v2Errorf(http.StatusBadRequest, "the data holds %d elements, the shape says %d", len(images), n)
	}
	return images, nil
}

// decodeBase64 takes standard or URL-safe base64, padded or not; line
// breaks (as some encoders insert) are ignored by the decoder.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}
