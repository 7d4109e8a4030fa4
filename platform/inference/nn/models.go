package nn

// SmallCNN is the reference network of the team's PyTorch benchmark
// (bench/model.py): three 3x3 conv (16, 32, 64 channels, padding 1, bias) +
// ReLU + 2x2 max-pool stages (the third only when deep), flatten and one
// dense layer. Its parameters have the same shapes, in the same order, as
// the PyTorch model's state_dict (features.0.weight is layers.0.weight,
// fc.weight is the last dense layer's weight).
func SmallCNN(size, classes int, deep bool) (*Arch, error) {
	stage := func(out int) []Layer {
		return []Layer{
			{Type: Conv, Out: out, Kernel: 3, Pad: 1, Bias: true},
			{Type: ReLU},
			{Type: MaxPool, Kernel: 2},
		}
	}
	layers := append(stage(16), stage(32)...)
	if deep {
		layers = append(layers, stage(64)...)
	}
	layers = append(layers, Layer{Type: Flatten}, Layer{Type: Dense, Out: classes})
	return New(Shape{Channels: 3, Height: size, Width: size}, layers)
}
