package nn

import (
	"fmt"
)

// TrainerState is what a Trainer holds beyond its weights: Adam's moment
// estimates and step count, and the position of every dropout stream.
// Restoring it on a trainer built from the same weights makes the next
// Step exactly the one the saved trainer would have made, so a run
// resumed from a checkpoint ends with the same weights as one that never
// stopped.
type TrainerState struct {
	Steps    int
	AdamStep int
	M, V     [][]float32 // per trainable parameter, in Params order
	Dropout  [][]byte    // each dropout layer's PCG state, in layer order
}

// State copies out the optimiser and random state (Export has the weights).
func (t *Trainer) State() (TrainerState, error) {
	s := TrainerState{Steps: t.steps, AdamStep: t.opt.t}
	for i := range t.opt.m {
		s.M = append(s.M, append([]float32(nil), t.opt.m[i]...))
		s.V = append(s.V, append([]float32(nil), t.opt.v[i]...))
	}
	for _, d := range t.graph.drops {
		b, err := d.src.MarshalBinary()
		if err != nil {
			return TrainerState{}, fmt.Errorf("nn: saving dropout state: %w", err)
		}
		s.Dropout = append(s.Dropout, b)
	}
	return s, nil
}

// Restore sets the optimiser and random state saved by State on a trainer
// of the same architecture.
func (t *Trainer) Restore(s TrainerState) error {
	if len(s.M) != len(t.opt.m) || len(s.V) != len(t.opt.v) || len(s.Dropout) != len(t.graph.drops) || s.Steps < 0 || s.AdamStep < 0 {
		return fmt.Errorf("%w: trainer state for %d parameters and %d dropout layers, this trainer has %d and %d",
			ErrInput, len(s.M), len(s.Dropout), len(t.opt.m), len(t.graph.drops))
	}
	for i := range s.M {
		if len(s.M[i]) != len(t.opt.m[i]) || len(s.V[i]) != len(t.opt.v[i]) {
			return fmt.Errorf("%w: trainer state of parameter %d has %d values, want %d", ErrInput, i, len(s.M[i]), len(t.opt.m[i]))
		}
	}
	for i, d := range t.graph.drops {
		if err := d.src.UnmarshalBinary(s.Dropout[i]); err != nil {
			return fmt.Errorf("%w: dropout state: %v", ErrInput, err)
		}
	}
	for i := range s.M {
		copy(t.opt.m[i], s.M[i])
		copy(t.opt.v[i], s.V[i])
	}
	t.opt.t, t.steps = s.AdamStep, s.Steps
	return nil
}
