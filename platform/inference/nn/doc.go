// Package nn is the neural-network layer of the inference engine: it describes
// architectures (a sequential list of layers stored as JSON in the model file),
// initialises and validates their weights, and runs them as Gorgonia graphs
// whose operations call the kernels package.
//
// A Predictor is the inference graph (batch-norm folded into the convolution,
// dropout removed, ReLU fused); a Trainer is the training graph (batch
// statistics, dropout, weighted softmax cross-entropy, Adam).
//
// Tensors are NCHW float32; convolution weights are OIHW and dense weights are
// [out, in], as in PyTorch, so that parameter shapes match a PyTorch
// state_dict of the same model.
package nn

import (
	// Gorgonia refuses to start on recent Go releases unless this package
	// vouches that the garbage collector does not move objects.
	_ "go4.org/unsafe/assume-no-moving-gc"
)
