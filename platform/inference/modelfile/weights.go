package modelfile

import (
	"encoding/binary"
	"math"
	"strconv"
)

// minTensorBytes is the smallest encoding of a tensor: a 1-byte name, rank 0
// and one value. It bounds how many tensors a blob can really hold.
const minTensorBytes = 4 + 1 + 4 + 8 + 4

// cursor walks a weights blob; every read is bounds-checked.
type cursor struct {
	b   []byte
	off int
}

func (c *cursor) take(n uint64, what string) ([]byte, *FormatError) {
	if n > uint64(len(c.b)-c.off) {
		return nil, formatErr(ErrCorrupt, nil, "weights end inside %s at offset %d", what, c.off)
	}
	p := c.b[c.off : c.off+int(n)]
	c.off += int(n)
	return p, nil
}

func (c *cursor) u32(what string) (uint32, *FormatError) {
	p, err := c.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(p), nil
}

func (c *cursor) u64(what string) (uint64, *FormatError) {
	p, err := c.take(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(p), nil
}

func parseWeights(blob []byte) ([]Tensor, error) {
	c := &cursor{b: blob}
	count, err := c.u32("tensor count")
	if err != nil {
		return nil, err
	}
	if count > MaxTensors || uint64(count)*minTensorBytes > uint64(len(blob)) {
		return nil, formatErr(ErrCorrupt, nil, "%d tensors cannot fit in %d bytes", count, len(blob))
	}
	tensors := make([]Tensor, 0, count)
	for i := range count {
		t, err := c.tensor()
		if err != nil {
			err.Detail = "tensor " + strconv.Itoa(int(i)) + ": " + err.Detail
			return nil, err
		}
		tensors = append(tensors, t)
	}
	if c.off != len(blob) {
		return nil, formatErr(ErrCorrupt, nil, "%d unused bytes after the last tensor", len(blob)-c.off)
	}
	return tensors, nil
}

func (c *cursor) tensor() (Tensor, *FormatError) {
	nameLen, err := c.u32("name length")
	if err != nil {
		return Tensor{}, err
	}
	if nameLen == 0 || nameLen > MaxNameBytes {
		return Tensor{}, formatErr(ErrCorrupt, nil, "name length %d", nameLen)
	}
	name, err := c.take(uint64(nameLen), "name")
	if err != nil {
		return Tensor{}, err
	}
	if err := checkName(string(name)); err != nil {
		return Tensor{}, err
	}
	rank, err := c.u32("rank")
	if err != nil {
		return Tensor{}, err
	}
	if rank > MaxRank {
		return Tensor{}, formatErr(ErrCorrupt, nil, "rank %d above %d", rank, MaxRank)
	}
	shape := make([]int, rank)
	for d := range shape {
		v, err := c.u64("shape")
		if err != nil {
			return Tensor{}, err
		}
		if v == 0 || v > MaxWeightsBytes {
			return Tensor{}, formatErr(ErrCorrupt, nil, "dimension %d", v)
		}
		shape[d] = int(v)
	}
	want, err := elements(shape)
	if err != nil {
		return Tensor{}, err
	}
	n, err := c.u64("value count")
	if err != nil {
		return Tensor{}, err
	}
	if n != want {
		return Tensor{}, formatErr(ErrShape, nil, "%q: shape %v holds %d values, %d stored", name, shape, want, n)
	}
	raw, err := c.take(4*n, "values")
	if err != nil {
		return Tensor{}, err
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return Tensor{Name: string(name), Shape: shape, Data: data}, nil
}
