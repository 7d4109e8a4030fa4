package classification_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/app/bundled"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// v2Output is one output tensor of an inference response; Data is kept
// raw because its element type depends on the datatype.
type v2Output struct {
	Name     string          `json:"name"`
	Datatype string          `json:"datatype"`
	Shape    []int           `json:"shape"`
	Data     json.RawMessage `json:"data"`
}

type v2Response struct {
	ModelName    string     `json:"model_name"`
	ModelVersion string     `json:"model_version"`
	ID           *string    `json:"id"`
	Outputs      []v2Output `json:"outputs"`
}

// v2Photo draws a small PNG whose content depends on seed.
func v2Photo(t testing.TB, seed, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x*seed + 3*y), uint8(y*(seed+7) - x), uint8((x + y) * seed), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func b64(data []byte) string { return base64.StdEncoding.EncodeToString(data) }

// v2Bytes is an inference request with the photos as a BYTES input.
func v2Bytes(photos ...[]byte) map[string]any {
	data := make([]string, len(photos))
	for i, p := range photos {
		data[i] = b64(p)
	}
	return map[string]any{"inputs": []any{map[string]any{"name": "image", "shape": []int{len(photos)}, "datatype": "BYTES", "data": data}}}
}

func bundledModel(t testing.TB) *modelfile.Model {
	t.Helper()
	m, err := bundled.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// probabilities checks the probabilities output of r for n images and
// returns one row per image.
func probabilities(t testing.TB, r v2Response, n, classes int) [][]float32 {
	t.Helper()
	if len(r.Outputs) != 1 {
		t.Fatalf("outputs %+v", r.Outputs)
	}
	o := r.Outputs[0]
	if o.Name != "probabilities" || o.Datatype != "FP32" || !slices.Equal(o.Shape, []int{n, classes}) {
		t.Fatalf("output %s %s %v, want probabilities FP32 [%d %d]", o.Name, o.Datatype, o.Shape, n, classes)
	}
	var flat []float32
	if err := json.Unmarshal(o.Data, &flat); err != nil || len(flat) != n*classes {
		t.Fatalf("data: %v, %d values", err, len(flat))
	}
	rows := make([][]float32, n)
	for i := range rows {
		rows[i] = flat[i*classes : (i+1)*classes]
		sum := 0.0
		for _, p := range rows[i] {
			if p < 0 || p > 1 {
				t.Fatalf("image %d: probability %v", i, p)
			}
			sum += float64(p)
		}
		if math.Abs(sum-1) > 1e-4 {
			t.Errorf("image %d: probabilities sum to %v", i, sum)
		}
	}
	return rows
}

func TestV2ServerAndModelMetadata(t *testing.T) {
	ta := apptest.New(t, nil)
	m := bundledModel(t)
	var server struct {
		Name, Version string
		Extensions    []string
	}
	ta.Do("GET", "/v2", nil, nil).Want(200).JSON(&server)
	if server.Name == "" || server.Version == "" || !slices.Contains(server.Extensions, "classification") {
		t.Errorf("server metadata %+v", server)
	}
	if got := ta.Do("GET", "/v2/health/live", nil, nil).Want(200).Map(); got["live"] != true {
		t.Errorf("live: %v", got)
	}
	if got := ta.Do("GET", "/v2/health/ready", nil, nil).Want(200).Map(); got["ready"] != true {
		t.Errorf("ready: %v", got)
	}

	var id string
	if err := ta.DB.Table("models").Where("is_active = ?", true).Select("id").Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("active model id %q: %v", id, err)
	}
	name, version := m.Meta.Name, m.Meta.Version
	size := m.Meta.Input.Height
	for _, path := range []string{"/v2/models/" + name, "/v2/models/" + id, "/v2/models/" + name + "/versions/" + version} {
		var meta struct {
			Name     string
			Versions []string
			Platform string
			Inputs   []struct {
				Name, Datatype string
				Shape          []int
			}
			Outputs []struct {
				Name, Datatype string
				Shape          []int
			}
		}
		ta.Do("GET", path, nil, nil).Want(200).JSON(&meta)
		if meta.Name != name || !slices.Equal(meta.Versions, []string{version}) || meta.Platform == "" {
			t.Errorf("%s: %+v", path, meta)
		}
		if len(meta.Inputs) != 2 || meta.Inputs[0].Name != "image" || meta.Inputs[0].Datatype != "BYTES" || !slices.Equal(meta.Inputs[0].Shape, []int{-1}) ||
			meta.Inputs[1].Name != "tensor" || meta.Inputs[1].Datatype != "FP32" || !slices.Equal(meta.Inputs[1].Shape, []int{-1, 3, size, size}) {
			t.Errorf("%s: inputs %+v", path, meta.Inputs)
		}
		if len(meta.Outputs) != 1 || meta.Outputs[0].Name != "probabilities" || meta.Outputs[0].Datatype != "FP32" ||
			!slices.Equal(meta.Outputs[0].Shape, []int{-1, len(m.Meta.Labels)}) {
			t.Errorf("%s: outputs %+v", path, meta.Outputs)
		}
		ready := ta.Do("GET", path+"/ready", nil, nil).Want(200).Map()
		if ready["name"] != name || ready["ready"] != true {
			t.Errorf("%s/ready: %v", path, ready)
		}
	}

	for _, path := range []string{
		"/v2/models/no-such-model", "/v2/models/no-such-model/ready",
		"/v2/models/" + name + "/versions/" + version + "-other", "/v2/models/" + name + "/versions/" + version + "-other/ready",
	} {
		res := ta.Do("GET", path, nil, nil).Want(404)
		if msg, _ := res.Map()["error"].(string); msg == "" {
			t.Errorf("%s: body %s, want {\"error\": \"...\"}", path, res.Body)
		}
	}
}

func TestV2InferBytes(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	m := bundledModel(t)
	classes := len(m.Meta.Labels)
	photos := [][]byte{v2Photo(t, 3, 90, 70), v2Photo(t, 11, 40, 60)}

	// Shaped as the protocol's example: an id, the input, the output asked
	// for by name.
	req := v2Bytes(photos...)
	req["id"] = "42"
	req["outputs"] = []any{map[string]any{"name": "probabilities"}}
	var got v2Response
	ta.Do("POST", "/v2/models/"+m.Meta.Name+"/infer", req, alice.Auth()).Want(200).JSON(&got)
	if got.ModelName != m.Meta.Name || got.ModelVersion != m.Meta.Version || got.ID == nil || *got.ID != "42" {
		t.Errorf("response %s %s id %v", got.ModelName, got.ModelVersion, got.ID)
	}
	rows := probabilities(t, got, 2, classes)

	// The same photos through /classify: the same preprocessing, so the
	// same top-3.
	for i, p := range photos {
		var c struct {
			Predictions []struct {
				Label      string
				Confidence float32
			}
		}
		ta.Do("POST", ta.API("/classify?top_k=3"), p, map[string]string{"Authorization": alice.Auth()["Authorization"], "Content-Type": "image/png"}).Want(200).JSON(&c)
		for _, pr := range c.Predictions {
			k := slices.IndexFunc(m.Meta.Labels, func(l modelfile.Label) bool { return l.Name == pr.Label })
			if k < 0 || math.Abs(float64(rows[i][k]-pr.Confidence)) > 1e-5 {
				t.Errorf("image %d: /classify says %s %v, v2 says %v", i, pr.Label, pr.Confidence, rows[i][max(k, 0)])
			}
		}
	}

	// No outputs asked for: the probabilities; no id: none echoed. Shape
	// [N,1] with a versioned path works alike.
	one := map[string]any{"inputs": []any{map[string]any{"name": "image", "shape": []int{1, 1}, "datatype": "BYTES", "data": [][]string{{b64(photos[1])}}}}}
	var again v2Response
	ta.Do("POST", "/v2/models/"+m.Meta.Name+"/versions/"+m.Meta.Version+"/infer", one, alice.Auth()).Want(200).JSON(&again)
	if again.ID != nil {
		t.Errorf("id %q echoed though none was sent", *again.ID)
	}
	row := probabilities(t, again, 1, classes)[0]
	for k := range row {
		if math.Abs(float64(row[k]-rows[1][k])) > 1e-5 {
			t.Fatalf("the same photo gave %v then %v", rows[1], row)
		}
	}
}

func TestV2ClassificationExtension(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	m := bundledModel(t)
	classes := len(m.Meta.Labels)
	photos := [][]byte{v2Photo(t, 5, 64, 64), v2Photo(t, 9, 120, 80)}
	path := "/v2/models/" + m.Meta.Name + "/infer"
	var plain v2Response
	ta.Do("POST", path, v2Bytes(photos...), alice.Auth()).Want(200).JSON(&plain)
	rows := probabilities(t, plain, 2, classes)

	for _, k := range []int{1, 3, classes + 5} {
		req := v2Bytes(photos...)
		req["outputs"] = []any{map[string]any{"name": "probabilities", "parameters": map[string]any{"classification": k}}}
		var got v2Response
		ta.Do("POST", path, req, alice.Auth()).Want(200).JSON(&got)
		want := min(k, classes)
		o := got.Outputs[0]
		var data []string
		if len(got.Outputs) != 1 || o.Datatype != "BYTES" || !slices.Equal(o.Shape, []int{2, want}) || json.Unmarshal(o.Data, &data) != nil || len(data) != 2*want {
			t.Fatalf("k=%d: output %s %v %s", k, o.Datatype, o.Shape, o.Data)
		}
		for i := range 2 {
			got := data[i*want : (i+1)*want]
			prev := math.Inf(1)
			returned := map[int]bool{}
			for _, s := range got {
				// "<value>:<index>:<label>", the value with six decimals.
				parts := strings.SplitN(s, ":", 3)
				if len(parts) != 3 || !sixDecimals.MatchString(parts[0]) {
					t.Fatalf("k=%d image %d: %q", k, i, s)
				}
				v, _ := strconv.ParseFloat(parts[0], 64)
				idx, err := strconv.Atoi(parts[1])
				if err != nil || idx < 0 || idx >= classes || returned[idx] {
					t.Fatalf("k=%d image %d: %q in %v", k, i, s, got)
				}
				returned[idx] = true
				if math.Abs(v-float64(rows[i][idx])) > 1e-5 || parts[2] != m.Meta.Labels[idx].Name {
					t.Errorf("k=%d image %d: %q, but class %d is %s with %v", k, i, s, idx, m.Meta.Labels[idx].Name, rows[i][idx])
				}
				if v > prev {
					t.Errorf("k=%d image %d: not best first: %v", k, i, got)
				}
				prev = v
			}
			// Nothing left out beats the last one returned.
			for c, q := range rows[i] {
				if !returned[c] && float64(q) > prev+1e-5 {
					t.Errorf("k=%d image %d: class %d (%v) left out of %v", k, i, c, q, got)
				}
			}
		}
	}
}

var sixDecimals = regexp.MustCompile(`^[0-9]+\.[0-9]{6}$`)
