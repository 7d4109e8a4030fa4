package classification_test

import (
	"math"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/inference"
)

// TestV2InferTensorsMatchPhotos sends the photos preprocessed by the
// engine's own path as FP32 tensors, flat and nested: the answer must be
// the one for the photos themselves.
func TestV2InferTensorsMatchPhotos(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	m := bundledModel(t)
	eng, err := inference.New(m, inference.Options{MaxBatch: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	classes := len(m.Meta.Labels)
	size, _ := eng.InputSize() // the bundled model is square
	per := 3 * size * size
	photos := [][]byte{v2Photo(t, 2, 100, 75), v2Photo(t, 13, 50, 50), v2Photo(t, 21, 64, 90)}
	flat := make([]float32, len(photos)*per)
	for i, p := range photos {
		if _, err := eng.Preprocess(p, flat[i*per:(i+1)*per]); err != nil {
			t.Fatal(err)
		}
	}
	nested := make([][][][]float32, len(photos))
	for i := range nested {
		nested[i] = make([][][]float32, 3)
		for c := range 3 {
			nested[i][c] = make([][]float32, size)
			for y := range size {
				off := i*per + c*size*size + y*size
				nested[i][c][y] = flat[off : off+size]
			}
		}
	}
	path := "/v2/models/" + m.Meta.Name + "/infer"
	var byPhoto v2Response
	ta.Do("POST", path, v2Bytes(photos...), alice.Auth()).Want(200).JSON(&byPhoto)
	want := probabilities(t, byPhoto, len(photos), classes)

	for form, data := range map[string]any{"flat": flat, "nested": nested} {
		req := map[string]any{"inputs": []any{map[string]any{
			"name": "tensor", "shape": []int{len(photos), 3, size, size}, "datatype": "FP32", "data": data}}}
		var got v2Response
		ta.Do("POST", path, req, alice.Auth()).Want(200).JSON(&got)
		rows := probabilities(t, got, len(photos), classes)
		for i := range rows {
			for k := range rows[i] {
				if math.Abs(float64(rows[i][k]-want[i][k])) > 1e-5 {
					t.Fatalf("%s image %d: tensor gives %v, photo gives %v", form, i, rows[i], want[i])
				}
			}
		}
	}
}
