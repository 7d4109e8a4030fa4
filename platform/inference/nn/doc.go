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
//
// An architecture is stored in the model file's metadata as JSON, the input
// shape beside it:
//
//	{"layers": [
//	  {"type": "conv", "out": 16, "kernel": 3, "stride": 1, "pad": 1, "bias": true},
//	  {"type": "batchnorm", "eps": 1e-5, "momentum": 0.1},
//	  {"type": "relu"},
//	  {"type": "maxpool", "kernel": 2, "stride": 2},
//	  {"type": "globalavgpool"},
//	  {"type": "flatten"},
//	  {"type": "dropout", "p": 0.25},
//	  {"type": "dense", "out": 23}
//	]}
//
// Layer i's tensors are named "layers.<i>.weight", "layers.<i>.bias" and, for
// batchnorm, "layers.<i>.running_mean" and "layers.<i>.running_var".
package nn

import (
	// Gorgonia refuses to start on recent Go releases unless this package
	// vouches that the garbage collector does not move objects.
	_ "go4.org/unsafe/assume-no-moving-gc"
)
