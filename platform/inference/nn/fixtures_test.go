package nn

import "testing"

// testArchs covers every layer type and option: strides, padding, kernels
// of 1 to 3, batchnorm with and without conv bias, fused and standalone
// ReLU, both poolings, flatten and dense layers, and a non-square input.
func testArchs(t *testing.T) map[string]*Arch {
	t.Helper()
	must := func(a *Arch, err error) *Arch {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	return map[string]*Arch{
		"smallcnn-deep":    must(SmallCNN(8, 8, 5, true)),
		"smallcnn-shallow": must(SmallCNN(8, 8, 3, false)),
		// Twice as wide as tall, as camera crops of a swimming fish: the
		// dense layer reads a 2:1 pooled map.
		"smallcnn-2to1": must(SmallCNN(16, 8, 3, true)),
		"all-layers": must(New(Shape{3, 13, 11}, []LayerSpec{
			{Type: Conv, Out: 6, Kernel: 3, Stride: 2, Pad: 1, Bias: true},
			{Type: BatchNorm},
			{Type: ReLU},
			{Type: MaxPool, Kernel: 3, Stride: 2, Pad: 1},
			{Type: Conv, Out: 8, Kernel: 3, Pad: 1},
			{Type: BatchNorm, Eps: 1e-3, Momentum: 0.2},
			{Type: ReLU},
			{Type: Conv, Out: 5, Kernel: 1},
			{Type: ReLU},
			{Type: GlobalAvgPool},
			{Type: Flatten},
			{Type: Dense, Out: 6},
			{Type: ReLU},
			{Type: Dense, Out: 4},
		})),
		"pool-then-relu": must(New(Shape{2, 8, 8}, []LayerSpec{
			{Type: Conv, Out: 3, Kernel: 2},
			{Type: MaxPool, Kernel: 2},
			{Type: ReLU},
			{Type: Flatten},
			{Type: Dense, Out: 3},
		})),
	}
}

// dropoutArch has a dropout layer, which only training mode applies.
func dropoutArch(t *testing.T) *Arch {
	t.Helper()
	a, err := New(Shape{3, 8, 8}, []LayerSpec{
		{Type: Conv, Out: 4, Kernel: 3, Pad: 1},
		{Type: BatchNorm},
		{Type: ReLU},
		{Type: MaxPool, Kernel: 2},
		{Type: Flatten},
		{Type: Dropout, P: 0.3},
		{Type: Dense, Out: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
