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
//
// # Adding a layer kind
//
// A kind lives in one file and reaches the rest of the package only through
// the Layer interface (layer.go) and the optional interfaces of fusion.go,
// so nothing else switches on it. To add one:
//
//  1. The op: a Gorgonia op (op<kind>.go, or beside its relatives in
//     opact.go, oppool.go, ...) whose Do calls the kernel and whose SymDiff
//     adds the backward op; each op owns its output buffer (see opbase.go).
//  2. The kernel: forward and backward functions in
//     platform/inference/kernels, with their tests there.
//  3. The layer: layer_<kind>.go declares the LayerType, a type implementing
//     Layer (embed paramless if it owns no tensors) and an init that
//     registers it with the LayerSpec options it takes (a new option is a
//     new LayerSpec field). A layer whose op can do the work of the layers
//     after it implements fuser; one the layer before it can take over
//     implements activation or normaliser.
//  4. A gradient test: add the kind to testArchs (fixtures_test.go), and
//     TestGradients (gradient_test.go) checks its backward op against finite
//     differences of the reference.
//  5. A reference test: a case in refForward (ref_test.go), the plain
//     float64 textbook version that the predictor and the training loss are
//     compared with (TestPredictorMatchesReference,
//     TestTrainingLossMatchesReference).
package nn

import (
	// Gorgonia refuses to start on recent Go releases unless this package
	// vouches that the garbage collector does not move objects.
	_ "go4.org/unsafe/assume-no-moving-gc"
)
