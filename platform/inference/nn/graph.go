package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// unit is a group of layers that becomes one op: a conv with the batchnorm
// and ReLU that follow it, a dense layer with its ReLU, or a single layer.
type unit struct {
	layer int  // the main layer
	bn    int  // the batchnorm after a conv, or -1
	relu  bool // a ReLU follows (after bn) and is fused
	// poolMasks: the unit is a max-pool right after a fused ReLU, and
	// applies that ReLU's backward mask itself (see maxPoolOp.maskReLU).
	poolMasks bool
}

// units groups the layers; flatten layers vanish (a [N,C,H,W] tensor is
// already laid out as [N, C*H*W]).
func (a *Arch) units() []unit {
	var us []unit
	next := func(i int, t LayerType) bool { return i+1 < len(a.layers) && a.layers[i+1].Type == t }
	for i := 0; i < len(a.layers); i++ {
		u := unit{layer: i, bn: -1}
		switch a.layers[i].Type {
		case Flatten:
			continue
		case Conv, Dense:
			if a.layers[i].Type == Conv && next(i, BatchNorm) {
				i++
				u.bn = i
			}
			if next(i, ReLU) {
				i++
				u.relu = true
			}
		}
		if a.layers[i].Type == MaxPool && len(us) > 0 && us[len(us)-1].relu {
			u.poolMasks = true
		}
		us = append(us, u)
	}
	return us
}

// netGraph is a network laid out as a Gorgonia graph for a fixed batch.
type netGraph struct {
	g       *G.ExprGraph
	batch   int
	ws      *arena
	x       buffer
	xNode   *G.Node
	logits  *G.Node
	weights map[string]*G.Node // parameter nodes by name
	drops   []*dropoutOp       // whose masks tests read
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
// statistics; dropout is active); in inference mode w must already have the
// batchnorms folded into the convs (see foldWeights) and dropout is left out.
// The graph's parameter nodes are bound to w's slices, not to copies.
func build(a *Arch, batch int, w weightSet, train bool, seed uint64) (*netGraph, error) {
	in := a.input
	ng := &netGraph{
		g: G.NewGraph(), batch: batch, ws: &arena{},
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
	units := a.units()
	for i, u := range units {
		reluByPool := i+1 < len(units) && units[i+1].poolMasks
		n, err := ng.addUnit(a, u, reluByPool, cur, w, train, seed)
		if err != nil {
			return nil, fmt.Errorf("nn: building layer %d (%s): %w", u.layer, a.layers[u.layer].Type, err)
		}
		cur = n
	}
	ng.logits = cur
	ng.ws.buf = make([]float32, ng.ws.need)
	return ng, nil
}

func (ng *netGraph) param(w weightSet, layer int, kind string, shape ...int) *G.Node {
	name := ParamName(layer, kind)
	data := w[name]
	if data == nil {
		return nil
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
	n := G.NewTensor(ng.g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t))
	ng.weights[name] = n
	return n
}

// addUnit adds the op of one unit; reluByPool says that the max-pool after
// it will apply the unit's ReLU backward mask.
func (ng *netGraph) addUnit(a *Arch, u unit, reluByPool bool, x *G.Node, w weightSet, train bool, seed uint64) (*G.Node, error) {
	i := u.layer
	l := a.layers[i]
	s := a.plan[i].in
	name := fmt.Sprintf("layers.%d.%s", i, l.Type)
	needDX := x != ng.xNode
	act := kernels.ActNone
	if u.relu {
		act = kernels.ActReLU
	}
	switch l.Type {
	case Conv:
		geom := kernels.Conv{InC: s.Channels, InH: s.Height, InW: s.Width, OutC: l.Out,
			KH: l.Kernel, KW: l.Kernel, Stride: l.Stride, Pad: l.Pad}
		if err := geom.Validate(); err != nil {
			return nil, err
		}
		convAct := act
		if train && u.bn >= 0 {
			convAct = kernels.ActNone // the ReLU comes after the batchnorm
		}
		wn := ng.param(w, i, KindWeight, l.Out, s.Channels, l.Kernel, l.Kernel)
		children := G.Nodes{x, wn}
		if b := ng.param(w, i, KindBias, l.Out); b != nil {
			children = append(children, b)
		}
		ng.ws.reserve(geom.WorkspaceLen(ng.batch))
		op := newConvOp(name, geom, ng.batch, convAct, len(children) == 3, needDX, ng.ws,
			ng.out(ng.batch, geom.OutC, geom.OutH(), geom.OutW()))
		op.reluByPool = reluByPool && u.bn < 0
		y, err := G.ApplyOp(op, children...)
		if err != nil || !train || u.bn < 0 {
			return y, err
		}
		bl := a.layers[u.bn]
		out := a.plan[i].out
		bn := newBatchNormOp(fmt.Sprintf("layers.%d.batchnorm", u.bn), ng.batch, out, bl, act,
			w[ParamName(u.bn, KindRunningMean)], w[ParamName(u.bn, KindRunningVar)])
		bn.reluByPool = reluByPool
		return G.ApplyOp(bn, y, ng.param(w, u.bn, KindWeight, out.Channels), ng.param(w, u.bn, KindBias, out.Channels))
	case Dense:
		op := newDenseOp(name, ng.batch, s.Len(), l.Out, x.Dims(), act, needDX, ng.out(ng.batch, l.Out))
		return G.ApplyOp(op, x, ng.param(w, i, KindWeight, l.Out, s.Len()), ng.param(w, i, KindBias, l.Out))
	case MaxPool:
		geom := kernels.Pool{C: s.Channels, H: s.Height, W: s.Width, K: l.Kernel, Stride: l.Stride, Pad: l.Pad}
		if err := geom.Validate(); err != nil {
			return nil, err
		}
		y := ng.out(ng.batch, geom.C, geom.OutH(), geom.OutW())
		op := newMaxPoolOp(name, geom, ng.batch, y, train)
		op.maskReLU = u.poolMasks
		return G.ApplyOp(op, x)
	case GlobalAvgPool:
		return G.ApplyOp(newAvgPoolOp(name, ng.batch, s, ng.out(ng.batch, s.Channels, 1, 1)), x)
	case ReLU:
		return G.ApplyOp(newReLUOp(name, ng.out(x.Shape()...)), x)
	case Dropout:
		if !train || l.P == 0 {
			return x, nil
		}
		op := newDropoutOp(name, x.Shape(), l.P, seed+uint64(i))
		ng.drops = append(ng.drops, op)
		return G.ApplyOp(op, x)
	}
	return nil, fmt.Errorf("%w: layer type %q has no op", ErrArch, l.Type)
}
