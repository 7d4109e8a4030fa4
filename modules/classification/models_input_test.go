package classification_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

type inputView struct {
	ID, Name, Input string
	InputSize       int `json:"input_size"`
}

// A model reports its input as WIDTHxHEIGHT: the bundled square model as
// always, an uploaded wide one as wide, and a row registered before widths
// were recorded as the square it was.
func TestModelsReportTheirInput(t *testing.T) {
	ta := apptest.New(t, nil)
	admin := ta.Admin()
	bundled := bundledModel(t).Meta.Input
	square := fmt.Sprintf("%dx%d", bundled.Width, bundled.Height)
	var list struct{ Items []inputView }
	ta.Do("GET", ta.API("/models"), nil, admin.Auth()).Want(200).JSON(&list)
	if len(list.Items) != 1 || list.Items[0].Input != square || list.Items[0].InputSize != bundled.Height {
		t.Fatalf("bundled model %+v, want input %s", list.Items, square)
	}

	file := modelFile(t, "weir-camera", "1", 7, labelsN(3), 48, 24)
	v := readyModel(t, ta, file)
	var wide inputView
	ta.Do("GET", ta.API("/models/"+v.ID), nil, admin.Auth()).Want(200).JSON(&wide)
	if wide.Input != "48x24" || wide.InputSize != 24 {
		t.Errorf("wide model reports input %q, input_size %d; want 48x24 and its height 24", wide.Input, wide.InputSize)
	}
	img := apptest.Photo(t, 4, 96, 48, "png")
	var got classification
	classifyWith(t, ta, admin, img, v.ID).Want(200).JSON(&got)
	if got.Model.ID != v.ID || len(got.Predictions) == 0 || got.Predictions[0].Label != expected(t, file, img) {
		t.Errorf("the wide model answered %+v, its engine says %s", got, expected(t, file, img))
	}

	// A row from before the migration's backfill knew only the side.
	if err := ta.DB.DB.Exec("UPDATE models SET input_width = 0 WHERE id = ?", list.Items[0].ID).Error; err != nil {
		t.Fatal(err)
	}
	var old inputView
	ta.Do("GET", ta.API("/models/"+list.Items[0].ID), nil, admin.Auth()).Want(200).JSON(&old)
	if old.Input != square {
		t.Errorf("a row without a width reads %q, want %s", old.Input, square)
	}
}

// The v2 tensor input of a wide model is [N,3,H,W]: its metadata says so
// and a tensor with the sides swapped is refused, naming the shape.
func TestV2TensorShapeOfAWideModel(t *testing.T) {
	ta := apptest.New(t, nil)
	admin := ta.Admin()
	readyModel(t, ta, modelFile(t, "weir-camera", "1", 7, labelsN(3), 48, 24))
	var meta struct {
		Inputs []struct {
			Name  string
			Shape []int
		}
	}
	ta.Do("GET", "/v2/models/weir-camera", nil, admin.Auth()).Want(200).JSON(&meta)
	if len(meta.Inputs) != 2 || fmt.Sprint(meta.Inputs[1].Shape) != "[-1 3 24 48]" {
		t.Errorf("v2 inputs %+v, want the tensor as [-1 3 24 48]", meta.Inputs)
	}
	tensor := func(h, w int) map[string]any {
		return map[string]any{"inputs": []any{map[string]any{
			"name": "tensor", "shape": []int{1, 3, h, w}, "datatype": "FP32", "data": make([]float32, 3*h*w)}}}
	}
	ta.Do("POST", "/v2/models/weir-camera/infer", tensor(24, 48), admin.Auth()).Want(200)
	var body struct{ Error string }
	ta.Do("POST", "/v2/models/weir-camera/infer", tensor(48, 24), admin.Auth()).Want(400).JSON(&body)
	if !strings.Contains(body.Error, "[N,3,24,48]") {
		t.Errorf("swapped sides: %q does not name the shape [N,3,24,48]", body.Error)
	}
}
