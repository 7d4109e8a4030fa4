package training

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// baseArch is the architecture name a model file records it was trained
// with, empty when it does not say.
func baseArch(m *modelfile.Model) string {
	if m.Meta.Training == nil {
		return ""
	}
	var hp struct {
		Arch string `json:"arch"`
	}
	_ = json.Unmarshal(m.Meta.Training.Hyperparameters, &hp)
	return hp.Arch
}

// fineTuneWeights starts arch from base: every tensor of base with the
// name and shape arch needs is taken, the others (the classifier head of a
// model with other labels) come from arch's seeded initialisation. The
// base must have arch's layers (up to the head's width): a base of another
// architecture is an error, not a run from a few accidentally fitting
// tensors.
func fineTuneWeights(arch *nn.Arch, base *modelfile.Model, seed uint64) ([]modelfile.Tensor, int, error) {
	b, err := nn.FromModel(base)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: the base model: %v", ErrOptions, err)
	}
	want, have := arch.Layers(), b.Layers()
	if len(want) != len(have) || len(want) == 0 {
		return nil, 0, fmt.Errorf("%w: the base model %s has %d layers, the architecture %d", ErrOptions, base.Meta.Name, len(have), len(want))
	}
	have[len(have)-1].Out = want[len(want)-1].Out
	if !slices.Equal(want, have) {
		return nil, 0, fmt.Errorf("%w: the base model %s has another architecture", ErrOptions, base.Meta.Name)
	}
	init := arch.Init(seed)
	taken := 0
	for i, t := range init {
		b, ok := base.Tensor(t.Name)
		if !ok || !slices.Equal(b.Shape, t.Shape) || len(b.Data) != len(t.Data) {
			continue
		}
		init[i].Data = append([]float32(nil), b.Data...)
		taken++
	}
	if taken == 0 {
		return nil, 0, fmt.Errorf("%w: the base model %s shares no layer with the architecture", ErrOptions, base.Meta.Name)
	}
	return init, taken, nil
}
