package classification_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

func TestV2InferErrors(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) {
		c.Model.MaxPixels = 200 * 200
		c.HTTP.BodyLimit = 1 << 20
	})
	alice := ta.NewUser("alice")
	m := bundledModel(t)
	size := m.Meta.Input.Height
	infer := "/v2/models/" + m.Meta.Name + "/infer"
	photo := b64(v2Photo(t, 4, 60, 40))
	pngBytes := v2Photo(t, 4, 60, 40)
	input := func(datatype string, shape []int, data any) map[string]any {
		return map[string]any{"inputs": []any{map[string]any{"name": "x", "shape": shape, "datatype": datatype, "data": data}}}
	}
	withOutput := func(params map[string]any) map[string]any {
		r := v2Bytes(pngBytes)
		r["outputs"] = []any{map[string]any{"name": "probabilities", "parameters": params}}
		return r
	}
	tests := []struct {
		name       string
		path       string
		body       any
		headers    map[string]string
		wantStatus int
		wantError  string // in the protocol's {"error": "..."}
	}{
		{"wrong datatype", infer, input("INT32", []int{1}, []int{1}), nil, 400, "datatype"},
		{"BYTES shape of a tensor", infer, input("BYTES", []int{1, 2}, []string{photo, photo}), nil, 400, "shape"},
		{"BYTES data shorter than shape", infer, input("BYTES", []int{2}, []string{photo}), nil, 400, "shape says 2"},
		{"BYTES data longer than shape", infer, input("BYTES", []int{1}, []string{photo, photo}), nil, 400, "more than"},
		{"BYTES data not strings", infer, input("BYTES", []int{1}, []int{7}), nil, 400, "base64 string"},
		{"bad base64", infer, input("BYTES", []int{1}, []string{"not base64!"}), nil, 400, "base64"},
		{"not an image", infer, input("BYTES", []int{1}, []string{b64([]byte("hello, these are not fish"))}), nil, 400, "image 0"},
		{"truncated image", infer, input("BYTES", []int{2}, []string{photo, b64(pngBytes[:len(pngBytes)/2])}), nil, 400, "image 1"},
		{"too many pixels", infer, v2Bytes(v2Photo(t, 1, 300, 300)), nil, 413, "too large"},
		{"too many images", infer, input("BYTES", []int{65}, []string{photo}), nil, 413, "at most 64"},
		{"empty batch", infer, input("BYTES", []int{0}, []string{}), nil, 400, "empty"},
		{"FP32 wrong image size", infer, input("FP32", []int{1, 3, size / 2, size / 2}, make([]float32, 3*size*size/4)), nil, 400, "shape"},
		{"FP32 too few values", infer, input("FP32", []int{1, 3, size, size}, make([]float32, 10)), nil, 400, "10 elements"},
		{"FP32 too many values", infer, input("FP32", []int{1, 3, size, size}, make([]float32, 3*size*size+1)), nil, 400, "more than"},
		{"FP32 strings", infer, input("FP32", []int{1, 3, size, size}, []string{"0.5"}), nil, 400, "numbers"},
		{"FP32 out of range", infer, `{"inputs":[{"name":"x","shape":[1,3,` + strconv.Itoa(size) + `,` + strconv.Itoa(size) + `],"datatype":"FP32","data":[1e39]}]}`, nil, 400, "32-bit"},
		{"FP32 values that overflow the network", infer, input("FP32", []int{1, 3, size, size}, filled(3*size*size, 3e38)), nil, 400, "not a number"},
		{"a field of the wrong JSON type", infer, `{"inputs":[{"name":7,"shape":[1],"datatype":"BYTES","data":["` + photo + `"]}]}`, nil, 400, "must be a string"},
		{"negative dimension", infer, input("FP32", []int{-1, 3, size, size}, []float32{}), nil, 400, "non-negative"},
		{"two inputs", infer, `{"inputs":[{"name":"a","shape":[1],"datatype":"BYTES","data":["` + photo + `"]},{"name":"b","shape":[1],"datatype":"BYTES","data":["` + photo + `"]}]}`, nil, 400, "expected 1 input"},
		{"no inputs", infer, `{"inputs":[]}`, nil, 400, "expected 1 input"},
		{"unknown output", infer, func() any { r := v2Bytes(pngBytes); r["outputs"] = []any{map[string]any{"name": "logits"}}; return r }(), nil, 400, "logits"},
		{"classification zero", infer, withOutput(map[string]any{"classification": 0}), nil, 400, "positive integer"},
		{"classification not a number", infer, withOutput(map[string]any{"classification": "many"}), nil, 400, "positive integer"},
		{"malformed JSON", infer, `{"inputs": [`, nil, 400, "malformed"},
		{"trailing data", infer, `{"inputs": []} {}`, nil, 400, "after the request"},
		{"empty body", infer, "", nil, 400, "empty"},
		{"binary data extension", infer, v2Bytes(pngBytes), map[string]string{"Inference-Header-Content-Length": "10"}, 400, "binary"},
		{"unknown model", "/v2/models/cod-detector/infer", v2Bytes(pngBytes), nil, 404, "cod-detector"},
		{"wrong version", "/v2/models/" + m.Meta.Name + "/versions/999/infer", v2Bytes(pngBytes), nil, 404, "999"},
		{"body over the limit", infer, input("BYTES", []int{1}, []string{strings.Repeat("A", 1<<20)}), nil, 413, ""},
		{"no credentials", infer, v2Bytes(pngBytes), map[string]string{"Authorization": ""}, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := alice.Auth()
			for k, v := range tt.headers {
				headers[k] = v
			}
			res := ta.Do("POST", tt.path, tt.body, headers).Want(tt.wantStatus)
			if tt.wantError == "" {
				return
			}
			var body map[string]any
			res.JSON(&body)
			msg, ok := body["error"].(string)
			if !ok || len(body) != 1 || !strings.Contains(msg, tt.wantError) {
				t.Errorf("body %s, want {\"error\": \"...%s...\"}", res.Body, tt.wantError)
			}
			// Clients are not told about the server's insides.
			for _, leak := range []string{"Go ", "json:", "struct", "float32", "int64"} {
				if strings.Contains(msg, leak) {
					t.Errorf("the message %q names %q", msg, leak)
				}
			}
		})
	}
}

// TestV2InferTakesAPIKeys: cameras authenticate with keys, not tokens.
func TestV2InferTakesAPIKeys(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	var key struct{ Key string }
	ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "pier camera"}, alice.Auth()).Want(201).JSON(&key)
	m := bundledModel(t)
	for _, h := range []map[string]string{apptest.Bearer(key.Key), {"X-API-Key": key.Key}} {
		var got v2Response
		ta.Do("POST", "/v2/models/"+m.Meta.Name+"/infer", v2Bytes(v2Photo(t, 8, 30, 30)), h).Want(http.StatusOK).JSON(&got)
		probabilities(t, got, 1, len(m.Meta.Labels))
	}
	ta.Do("POST", "/v2/models/"+m.Meta.Name+"/infer", v2Bytes(v2Photo(t, 8, 30, 30)), apptest.Bearer("aqk_"+fmt.Sprint(12345))).Want(http.StatusUnauthorized)
}

func filled(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}
