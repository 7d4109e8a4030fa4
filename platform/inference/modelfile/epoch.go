package modelfile

import (
	"encoding/json"
	"math"
)

// Epoch records one training epoch. A value that was not measured is NaN in
// Go and null in JSON (encoding/json cannot represent NaN).
type Epoch struct {
	Epoch       int     `json:"epoch"`
	TrainLoss   float64 `json:"train_loss"`
	ValLoss     float64 `json:"val_loss"`
	ValAccuracy float64 `json:"val_accuracy"`
	ValMacroF1  float64 `json:"val_macro_f1"`
	Seconds     float64 `json:"seconds"`
}

type epochJSON struct {
	Epoch       int      `json:"epoch"`
	TrainLoss   *float64 `json:"train_loss"`
	ValLoss     *float64 `json:"val_loss"`
	ValAccuracy *float64 `json:"val_accuracy"`
	ValMacroF1  *float64 `json:"val_macro_f1"`
	Seconds     *float64 `json:"seconds"`
}

// MarshalJSON writes NaN and infinite values as null.
func (e Epoch) MarshalJSON() ([]byte, error) {
	finite := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(epochJSON{e.Epoch, finite(e.TrainLoss), finite(e.ValLoss), finite(e.ValAccuracy), finite(e.ValMacroF1), finite(e.Seconds)})
}

// UnmarshalJSON reads null as NaN.
func (e *Epoch) UnmarshalJSON(b []byte) error {
	var j epochJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	value := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*e = Epoch{j.Epoch, value(j.TrainLoss), value(j.ValLoss), value(j.ValAccuracy), value(j.ValMacroF1), value(j.Seconds)}
	return nil
}
