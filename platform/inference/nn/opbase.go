package nn

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/aquaml/aquaml/platform/inference/kernels"
)

// How our ops live inside a TapeMachine (read from gorgonia v0.9.18's
// compile.go, regalloc.go and vm_tape_nocuda.go):
//
//   - Every op owns the tensor it returns and returns the same one on every
//     run, so steady-state runs allocate no activations. Ops implement
//     neither UsePreallocDoer nor UnsafeDoer and say CallsExtern() == false,
//     so the machine never preallocates a register for them nor writes into
//     their outputs; OverwritesInput() == -1 keeps their inputs intact.
//   - The register allocator gives every node its own register, so a value
//     returned by one op is never handed to another op as a destination.
//   - The graph hash-conses nodes (equal op hash + equal children = one
//     node), so every op instance hashes to its own sequence number.
//   - Nodes run in topological order. A backward op that computes several
//     gradients in one kernel call returns one of them; the others are read
//     by partOps that take the backward node as their input, which orders
//     them after it.

var opSeq atomic.Int64

// opBase is the bookkeeping every op shares.
type opBase struct {
	name string
	seq  int64
	par  kernels.Par // bounds the goroutines of the op's kernel calls
}

// bindPar bounds the kernel calls of every op of g, the backward ones
// included, so it runs once the graph is complete.
func bindPar(g *G.ExprGraph, p kernels.Par) {
	for _, n := range g.AllNodes() {
		if o, ok := n.Op().(interface{ setPar(kernels.Par) }); ok {
			o.setPar(p)
		}
	}
}

func (o *opBase) setPar(p kernels.Par) { o.par = p }

func newOpBase(format string, args ...any) opBase {
	return opBase{name: fmt.Sprintf(format, args...), seq: opSeq.Add(1)}
}

func (o opBase) WriteHash(h hash.Hash) { fmt.Fprintf(h, "nn.%s#%d", o.name, o.seq) }

func (o opBase) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}

func (o opBase) String() string       { return o.name }
func (o opBase) ReturnsPtr() bool     { return true }
func (o opBase) CallsExtern() bool    { return false }
func (o opBase) OverwritesInput() int { return -1 }

// fnType is the type a -> ... -> a of an op whose inputs and output have the
// given numbers of dimensions (0: a scalar); the output comes last.
func fnType(dims ...int) hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, len(dims))
	for i, d := range dims {
		if d == 0 {
			ts[i] = a
		} else {
			ts[i] = G.TensorType{Dims: d, Of: a}
		}
	}
	return hm.NewFnType(ts...)
}

// buffer is a float32 tensor an op owns and returns on every run.
type buffer struct {
	t    *tensor.Dense
	data []float32
}

func newBuffer(shape ...int) buffer {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	return buffer{t: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data)), data: data}
}

func (b buffer) shape() tensor.Shape { return b.t.Shape().Clone() }

// f32s returns the data of a float32 tensor value.
func f32s(v G.Value) ([]float32, error) {
	// Float32s, unlike Data, does not allocate.
	if t, ok := v.(*tensor.Dense); ok && t.Dtype() == tensor.Float32 {
		return t.Float32s(), nil
	}
	return nil, fmt.Errorf("nn: expected a float32 tensor, got %T", v)
}

// inputs extracts the float32 data of every input value.
func inputsF32(vs []G.Value, into [][]float32) error {
	if len(vs) != len(into) {
		return fmt.Errorf("nn: %d inputs, expected %d", len(vs), len(into))
	}
	for i, v := range vs {
		d, err := f32s(v)
		if err != nil {
			return err
		}
		into[i] = d
	}
	return nil
}

// partOp exposes a tensor that another op (its only input) computed as a
// side product, e.g. a weight gradient of a backward op.
type partOp struct {
	opBase
	inDims int
	out    buffer
}

func newPartOp(name string, inDims int, out buffer) *partOp {
	return &partOp{opBase: newOpBase("%s", name), inDims: inDims, out: out}
}

func (o *partOp) Arity() int    { return 1 }
func (o *partOp) Type() hm.Type { return fnType(o.inDims, o.out.t.Dims()) }
func (o *partOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return o.out.shape(), nil
}
func (o *partOp) Do(...G.Value) (G.Value, error) { return o.out.t, nil }

// arena is scratch memory that the ops of one graph share: a TapeMachine
// runs one op at a time, so the largest need is enough for all.
// The graph builder collects the needs first and allocates once.
type arena struct {
	need int
	buf  []float32
}

func (a *arena) reserve(n int) { a.need = max(a.need, n) }
