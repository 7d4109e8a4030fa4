package nn

// workspacer is a layer that needs scratch while it runs (a conv's packed
// weights and tiles). Layers share one workspace, sized for the largest.
type workspacer interface {
	workspace(in Shape, batch int) int
}

// InferenceBytes is what a Predictor for batch images holds, computed from
// the shapes without building it: its own copy of the weights, the input,
// the two activation buffers the inference chain alternates between, the
// shared workspace and the probabilities. A server checks it before
// building the graphs of an uploaded model, which could otherwise take
// more memory than the process has.
func (a *Arch) InferenceBytes(batch int) int64 {
	var weights int64
	for _, p := range a.Params() {
		n := int64(1)
		for _, d := range p.Shape {
			n *= int64(d)
		}
		weights += n
	}
	largest, ws := 0, 0
	for i, st := range a.plan {
		largest = max(largest, st.out.Len())
		if w, ok := a.layers[i].(workspacer); ok {
			ws = max(ws, w.workspace(st.in, batch))
		}
	}
	b := int64(batch)
	floats := weights + b*int64(a.input.Len()) + 2*b*int64(largest) + int64(ws) + b*int64(a.Classes())
	return 4 * floats
}
