package nn

import (
	"fmt"
	"strings"
)

// SmallCNN is the reference network of the team's PyTorch benchmark
// (bench/model.py): three 3x3 conv (16, 32, 64 channels, padding 1, bias) +
// ReLU + 2x2 max-pool stages (the third only when deep), flatten and one
// dense layer. Its parameters have the same shapes, in the same order, as
// the PyTorch model's state_dict (features.0.weight is layers.0.weight,
// fc.weight is the last dense layer's weight).
// The dense layer's width follows from both sides of the input, pooled.
func SmallCNN(width, height, classes int, deep bool) (*Arch, error) {
	if deep {
		return smallCNN(width, height, classes, 16, 32, 64)
	}
	return smallCNN(width, height, classes, 16, 32)
}

// WideSmallCNN is SmallCNN with twice the channels (32, 64, 128): about
// four times its work, as much as FishNet's to train and to serve one
// photo. On the small-data protocol it scored above SmallCNN on every
// group of species (BENCHMARKS.md, "A wider SmallCNN, and flip TTA"):
// with a few dozen photos a species, more filters from scratch still pay.
func WideSmallCNN(width, height, classes int) (*Arch, error) {
	return smallCNN(width, height, classes, 32, 64, 128)
}

// smallCNN stacks a conv + ReLU + max-pool stage per channel count, then
// flatten and one dense layer.
func smallCNN(width, height, classes int, channels ...int) (*Arch, error) {
	var layers []LayerSpec
	for _, out := range channels {
		layers = append(layers,
			LayerSpec{Type: Conv, Out: out, Kernel: 3, Pad: 1, Bias: true},
			LayerSpec{Type: ReLU},
			LayerSpec{Type: MaxPool, Kernel: 2})
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

// builtins are the architectures Named knows, in the order messages list
// them: "fishnet", "smallcnn" (three stages), "smallcnn-wide" (three, twice
// the channels) and "smallcnn-shallow" (two).
var builtins = []struct {
	name  string
	build func(width, height, classes int) (*Arch, error)
}{
	{"fishnet", FishNet},
	{"smallcnn", func(w, h, c int) (*Arch, error) { return SmallCNN(w, h, c, true) }},
	{"smallcnn-wide", WideSmallCNN},
	{"smallcnn-shallow", func(w, h, c int) (*Arch, error) { return SmallCNN(w, h, c, false) }},
}

// ArchNames lists the built-in architectures, for messages and help:
// "fishnet, smallcnn, smallcnn-wide or smallcnn-shallow".
func ArchNames() string {
	names := make([]string, len(builtins))
	for i, b := range builtins {
		names[i] = b.name
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Named returns a built-in architecture by name for width x height RGB
// input.
func Named(name string, width, height, classes int) (*Arch, error) {
	for _, b := range builtins {
		if b.name == name {
			return b.build(width, height, classes)
		}
	}
	return nil, fmt.Errorf("%w: unknown architecture %q (want %s)", ErrArch, name, ArchNames())
}
