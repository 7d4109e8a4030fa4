package nn

import "fmt"

// SmallCNN is the reference network of the team's PyTorch benchmark
// (bench/model.py): three 3x3 conv (16, 32, 64 channels, padding 1, bias) +
// ReLU + 2x2 max-pool stages (the third only when deep), flatten and one
// dense layer. Its parameters have the same shapes, in the same order, as
// the PyTorch model's state_dict (features.0.weight is layers.0.weight,
// fc.weight is the last dense layer's weight).
// The dense layer's width follows from both sides of the input, pooled.
func SmallCNN(width, height, classes int, deep bool) (*Arch, error) {
	stage := func(out int) []LayerSpec {
		return []LayerSpec{
			{Type: Conv, Out: out, Kernel: 3, Pad: 1, Bias: true},
			{Type: ReLU},
			{Type: MaxPool, Kernel: 2},
		}
	}
	layers := append(stage(16), stage(32)...)
	if deep {
		layers = append(layers, stage(64)...)
	}
	layers = append(layers, LayerSpec{Type: Flatten}, LayerSpec{Type: Dense, Out: classes})
	return New(Shape{Channels: 3, Height: height, Width: width}, layers)
}

// FishNet is the architecture proposed for the bundled fish model: six 3x3
// conv + batchnorm + ReLU layers in four stages (16, 32, 64-64, 128-128
// channels) with 2x2 max-pooling after the first three, then global average
// pooling, dropout and one dense layer. Channels stay few where the maps are
// large and the second convs work at 16x16 and 8x8, which is where depth is
// cheap; batchnorm folds into the convs for inference, and global pooling
// keeps the classifier small. At 64 px it has 0.29 M parameters and costs
// 70 MFLOPs per image, about three times SmallCNN's 22.6. Global pooling
// makes the weights independent of the input size: a 128x64 FishNet has the
// 64x64 one's parameters at twice its cost.
func FishNet(width, height, classes int) (*Arch, error) {
	block := func(out int) []LayerSpec {
		return []LayerSpec{{Type: Conv, Out: out, Kernel: 3, Pad: 1}, {Type: BatchNorm}, {Type: ReLU}}
	}
	pool := LayerSpec{Type: MaxPool, Kernel: 2}
	var layers []LayerSpec
	layers = append(layers, block(16)...)
	layers = append(layers, pool)
	layers = append(layers, block(32)...)
	layers = append(layers, pool)
	layers = append(layers, block(64)...)
	layers = append(layers, block(64)...)
	layers = append(layers, pool)
	layers = append(layers, block(128)...)
	layers = append(layers, block(128)...)
	layers = append(layers, LayerSpec{Type: GlobalAvgPool}, LayerSpec{Type: Flatten},
		LayerSpec{Type: Dropout, P: 0.25}, LayerSpec{Type: Dense, Out: classes})
	return New(Shape{Channels: 3, Height: height, Width: width}, layers)
}

// Named returns a built-in architecture by name for width x height RGB
// input: "fishnet", "smallcnn" (three stages) or "smallcnn-shallow" (two).
func Named(name string, width, height, classes int) (*Arch, error) {
	switch name {
	case "fishnet":
		return FishNet(width, height, classes)
	case "smallcnn":
		return SmallCNN(width, height, classes, true)
	case "smallcnn-shallow":
		return SmallCNN(width, height, classes, false)
	}
	return nil, fmt.Errorf("%w: unknown architecture %q (want fishnet, smallcnn or smallcnn-shallow)", ErrArch, name)
}
