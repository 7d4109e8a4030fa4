package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// netGraph is a network laid out as a Gorgonia graph for a fixed batch.
type netGraph struct {
	g       *G.ExprGraph
	batch   int
	train   bool // a training graph: batch statistics, dropout, backward masks
	seed    uint64
	ws      *arena
	w       weightSet // the tensors parameter nodes are bound to
	x       buffer
	xNode   *G.Node
	logits  *G.Node
	weights map[string]*G.Node // parameter nodes by name
	drops   []*dropoutOp       // whose masks tests read
	// packed are the inference convolutions' packed weights, emptied when
	// the weights are replaced (Predictor.setWeights).
	packed []*kernels.WeightCache
	// out makes the output buffer of the next forward op.
	out func(shape ...int) buffer
}

// pingPong hands out output buffers alternately backed by two shared
// slices. Inference needs each activation only until the next op has read
// it, so two buffers of the largest activation serve the whole chain: less
// memory, and a batch-1 working set that stays in cache.
func pingPong(size int) func(shape ...int) buffer {
	slots := [2][]float32{make([]float32, size), make([]float32, size)}
	next := 0
	return func(shape ...int) buffer {
		n := tensor.Shape(shape).TotalSize()
		data := slots[next][:n:n]
		next = 1 - next
		return buffer{t: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data)), data: data}
	}
}

// build lays out the network. In training mode every parameter comes from
// w (batchnorm layers normalise with batch statistics and update w's running
// statistics; dropout is active); in inference mode w must already hold the
// inference weights (see foldWeights) and dropout is left out. The graph's
// parameter nodes are bound to w's slices, not to copies.
func build(a *Arch, batch int, w weightSet, train bool, seed uint64) (*netGraph, error) {
	in := a.input
	ng := &netGraph{
		g: G.NewGraph(), batch: batch, train: train, seed: seed, ws: &arena{}, w: w,
		x:       newBuffer(batch, in.Channels, in.Height, in.Width),
		weights: map[string]*G.Node{},
		out:     newBuffer,
	}
	if !train {
		largest := 0
		for _, st := range a.plan {
			largest = max(largest, st.out.Len())
		}
		ng.out = pingPong(batch * largest)
	}
	ng.xNode = G.NewTensor(ng.g, tensor.Float32, 4, G.WithShape(ng.x.t.Shape()...), G.WithName("input"), G.WithValue(ng.x.t))
	cur := ng.xNode
	for _, u := range a.units(train) {
		l := a.layers[u.at]
		n, err := l.build(ng, u, cur)
		if err != nil {
			return nil, fmt.Errorf("nn: building layer %d (%s): %w", u.at, l.Spec().Type, err)
		}
		cur = n
	}
	ng.logits = cur
	ng.ws.buf = make([]float32, ng.ws.need)
	return ng, nil
}

// param is the node of layer's tensor of the given kind, nil when the graph's
// weights have none (a conv without bias).
func (ng *netGraph) param(layer int, kind string, shape ...int) *G.Node {
	name := ParamName(layer, kind)
	data := ng.w[name]
	if data == nil {
		return nil
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
	n := G.NewTensor(ng.g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t))
	ng.weights[name] = n
	return n
}

// needsDX reports whether an op reading x must compute x's gradient: the
// graph input's never is.
func (ng *netGraph) needsDX(x *G.Node) bool { return x != ng.xNode }

// opName names the op of the layer at index at, as gradient tests read it.
func opName(at int, t LayerType) string { return fmt.Sprintf("layers.%d.%s", at, t) }
