package evaluation

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestResultByHand(t *testing.T) {
	// Truth/prediction pairs over a, b, c; class c never occurs either way.
	//   a: 3 right, 1 predicted b     b: 1 right, 1 predicted a
	truth := []int{0, 0, 0, 0, 1, 1}
	pred := []int{0, 0, 0, 1, 1, 0}
	r, err := Evaluate([]string{"a", "b", "c"}, truth, pred, "val")
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 6 || !near(r.Accuracy, 4.0/6) {
		t.Errorf("total %d accuracy %v, want 6 and 4/6", r.Total, r.Accuracy)
	}
	want := []struct {
		p, r, f1 float64
		support  int
	}{
		{3.0 / 4, 3.0 / 4, 3.0 / 4, 4},
		{1.0 / 2, 1.0 / 2, 1.0 / 2, 2},
		{0, 0, 0, 0}, // denominators clamped: 0, not NaN
	}
	for i, w := range want {
		c := r.PerClass[i]
		if !near(c.Precision, w.p) || !near(c.Recall, w.r) || !near(c.F1, w.f1) || c.Support != w.support {
			t.Errorf("class %d = %+v, want %+v", i, c, w)
		}
	}
	// Macro-F1 averages every label, the absent one included, as the reference does.
	if !near(r.MacroF1, (0.75+0.5+0)/3) {
		t.Errorf("macro-F1 %v, want %v", r.MacroF1, (0.75+0.5)/3)
	}
	if r.Confusion[0][1] != 1 || r.Confusion[1][0] != 1 || r.Confusion[0][0] != 3 {
		t.Errorf("confusion %v", r.Confusion)
	}
	m := r.Metrics()
	if m.Split != "val" || m.Accuracy != r.Accuracy || len(m.PerClass) != 3 {
		t.Errorf("Metrics() = %+v", m)
	}
}

func TestUnequalPrecisionRecall(t *testing.T) {
	// a: 2 of 2 found, but b is also twice called a: precision 1/2, recall 1.
	r, err := Evaluate([]string{"a", "b"}, []int{0, 0, 1, 1, 1}, []int{0, 0, 0, 0, 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	a := r.PerClass[0]
	if !near(a.Precision, 0.5) || !near(a.Recall, 1) || !near(a.F1, 2*0.5*1/1.5) {
		t.Errorf("class a = %+v", a)
	}
}

func TestUnknownPredictions(t *testing.T) {
	c := NewConfusion([]string{"a", "b"})
	if err := c.AddAll([]int{0, 0, 1, 1}, []int{0, Unknown, 1, Unknown}); err != nil {
		t.Fatal(err)
	}
	r := c.Result("test")
	if r.Total != 4 || !near(r.Accuracy, 0.5) {
		t.Errorf("total %d accuracy %v", r.Total, r.Accuracy)
	}
	if a := r.PerClass[0]; !near(a.Precision, 1) || !near(a.Recall, 0.5) || a.Support != 2 {
		t.Errorf("class a = %+v: declined predictions lower recall, not precision", a)
	}
	if r.Unknown[0] != 1 || r.Unknown[1] != 1 {
		t.Errorf("unknown = %v", r.Unknown)
	}
}

func TestBadInput(t *testing.T) {
	c := NewConfusion([]string{"a"})
	for _, pair := range [][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -2}} {
		if err := c.Add(pair[0], pair[1]); !errors.Is(err, ErrBadInput) {
			t.Errorf("Add%v: %v", pair, err)
		}
	}
	if _, err := Evaluate([]string{"a"}, []int{0}, nil, ""); !errors.Is(err, ErrBadInput) {
		t.Errorf("length mismatch: %v", err)
	}
	if r := NewConfusion([]string{"a"}).Result(""); r.Accuracy != 0 || r.MacroF1 != 0 {
		t.Errorf("empty result %+v", r)
	}
}

func TestResultJSON(t *testing.T) {
	r, _ := Evaluate([]string{"a", "b"}, []int{0, 1}, []int{0, 0}, "val")
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"accuracy", "macro_f1", "per_class", "confusion", "labels"} {
		if _, ok := top[key]; !ok {
			t.Errorf("JSON lacks %q: %s", key, data)
		}
	}
	if string(top["confusion"]) != "[[1,0],[1,0]]" {
		t.Errorf("confusion JSON %s", top["confusion"])
	}
}
