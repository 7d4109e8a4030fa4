// Package training is the training loop behind `aquaml train`: it reads an
// ImageFolder data set, splits off a validation set by group (or reads one),
// trains a network with Adam and a learning-rate schedule, validates after
// every epoch, keeps the epoch with the best validation macro-F1, calibrates
// the open-set threshold and writes the model file.
//
// Open-set threshold rule: among the validation images that the best model
// classifies correctly, take their top-1 probabilities; the threshold is
// the UnknownQuantile quantile of those (default 0.05), so that about 5% of
// correct predictions on known classes would be reported as unknown.
// Anything less confident than the model usually is when right is treated
// as a fish it does not know.
//
// Runs are deterministic: the same options and seed give bit-identical
// weights (data order, augmentation, initial weights and dropout are all
// derived from the seed, and the kernels reduce in a fixed order).
package training
