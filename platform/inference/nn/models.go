package nn

import "fmt"

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

// FishNet is the architecture proposed for the bundled fish model: four
// stages of 3x3 conv + batchnorm + ReLU (24, 48, 2x96 and 160 channels),
// max-pooling between them, global average pooling, dropout and one dense
// layer. Batchnorm folds into the convs for inference, and global pooling
// keeps the classifier small and the network independent of the input size.
// At 64 px it has 0.28 M parameters and costs 108 MFLOPs per image, about
// 4.8 times SmallCNN's 22.6.
func FishNet(size, classes int) (*Arch, error) {
	block := func(out int) []Layer {
		return []Layer{{Type: Conv, Out: out, Kernel: 3, Pad: 1}, {Type: BatchNorm}, {Type: ReLU}}
	}
	pool := Layer{Type: MaxPool, Kernel: 2}
	var layers []Layer
	layers = append(layers, block(24)...)
	layers = append(layers, pool)
	layers = append(layers, block(48)...)
	layers = append(layers, pool)
	layers = append(layers, block(96)...)
	layers = append(layers, block(96)...)
	layers = append(layers, pool)
	layers = append(layers, block(160)...)
	layers = append(layers, Layer{Type: GlobalAvgPool}, Layer{Type: Flatten},
		Layer{Type: Dropout, P: 0.25}, Layer{Type: Dense, Out: classes})
	return New(Shape{Channels: 3, Height: size, Width: size}, layers)
}

// Named returns a built-in architecture by name for size x size RGB input:
// "fishnet", "smallcnn" (three stages) or "smallcnn-shallow" (two).
func Named(name string, size, classes int) (*Arch, error) {
	switch name {
	case "fishnet":
		return FishNet(size, classes)
	case "smallcnn":
		return SmallCNN(size, classes, true)
	case "smallcnn-shallow":
		return SmallCNN(size, classes, false)
	}
	return nil, fmt.Errorf("%w: unknown architecture %q (want fishnet, smallcnn or smallcnn-shallow)", ErrArch, name)
}
