package training

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// hyperparameters is what the metadata records of the options.
type hyperparameters struct {
	Arch           string  `json:"arch"`
	Size           int     `json:"size"`
	Height         int     `json:"height,omitempty"` // when not Size
	Epochs         int     `json:"epochs"`
	BatchSize      int     `json:"batch_size"`
	LearningRate   float64 `json:"learning_rate"`
	Schedule       string  `json:"schedule"`
	WarmupEpochs   float64 `json:"warmup_epochs"`
	StepEvery      int     `json:"step_every,omitempty"`
	StepGamma      float64 `json:"step_gamma,omitempty"`
	WeightDecay    float64 `json:"weight_decay"`
	LabelSmoothing float64 `json:"label_smoothing"`
	Balance        string  `json:"balance"`
	Augment        bool    `json:"augment"`
	Augmentation   string  `json:"augmentation"`
	FreezeLayers   int     `json:"freeze_layers,omitempty"`
	Mixup          float64 `json:"mixup,omitempty"`
	AverageEpochs  float64 `json:"average_epochs,omitempty"`
	// FlipTTA: the scores were measured, and the model is meant to be
	// served, on the mean of each photo's and its mirror's probabilities.
	FlipTTA  bool `json:"flip_tta,omitempty"`
	Patience int  `json:"patience,omitempty"`
	// Refit: the weights were trained again on the validation photos too,
	// for BestEpoch epochs; the scores are the held-out run's.
	Refit           bool       `json:"refit,omitempty"`
	ValFraction     float64    `json:"val_fraction,omitempty"`
	GroupRegex      string     `json:"group_regex,omitempty"`
	UnknownQuantile float64    `json:"unknown_quantile"`
	Optimizer       string     `json:"optimizer"`
	BestEpoch       int        `json:"best_epoch"`
	Mean            [3]float32 `json:"mean"`
	Std             [3]float32 `json:"std"`
}

// model assembles the model file of the best epoch.
func (r *run) model(res *Result, weights []modelfile.Tensor, wall time.Duration) (*modelfile.Model, error) {
	o := &r.o
	arch, err := json.Marshal(r.arch)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	hp := hyperparameters{
		Arch: o.Arch, Size: o.Size, Epochs: o.Epochs, BatchSize: o.BatchSize, LearningRate: o.LearningRate,
		Schedule: o.Schedule, WarmupEpochs: o.WarmupEpochs, WeightDecay: o.WeightDecay,
		LabelSmoothing: o.LabelSmoothing, Balance: o.Balance, Augment: !o.NoAugment,
		Augmentation: o.Augment, FreezeLayers: o.FreezeLayers, Mixup: o.Mixup, AverageEpochs: o.AverageEpochs,
		FlipTTA: o.FlipTTA, Patience: o.Patience, Refit: res.Refitted,
		UnknownQuantile: o.UnknownQuantile, Optimizer: "adam", BestEpoch: res.BestEpoch, Mean: o.Mean, Std: o.Std,
	}
	if o.height() != o.Size {
		hp.Height = o.height()
	}
	if o.Schedule == ScheduleStep {
		hp.StepEvery, hp.StepGamma = o.StepEvery, o.StepGamma
	}
	valDir := o.ValDir
	if valDir == "" {
		hp.ValFraction, hp.GroupRegex = o.ValFraction, o.GroupRegex
		valDir = filepath.Clean(o.TrainDir) + " (held-out groups)"
	}
	hpJSON, err := json.Marshal(hp)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	trainCounts, valCounts := r.train.Counts(), r.val.Counts()
	meta := modelfile.Metadata{
		Name: o.Name, Version: o.Version, CreatedAt: time.Now().UTC().Truncate(time.Second),
		Architecture: arch,
		Input:        modelfile.Input{Channels: 3, Height: o.height(), Width: o.Size},
		Mean:         o.Mean, Std: o.Std,
		UnknownThreshold: res.Threshold,
		Training: &modelfile.Training{
			TrainDir: o.TrainDir, ValDir: valDir, Epochs: len(res.History), BatchSize: o.BatchSize,
			Seed: o.Seed, Command: o.Command, WallTimeSeconds: wall.Seconds(), Licence: o.Licence,
			Hyperparameters: hpJSON,
		},
	}
	metrics := res.Validation.Metrics()
	meta.Metrics = &metrics
	for c, name := range r.train.Classes {
		label := o.Labels[name]
		label.Name = name
		meta.Labels = append(meta.Labels, label)
		meta.Training.Classes = append(meta.Training.Classes, modelfile.ClassCount{Label: name, Train: trainCounts[c], Val: valCounts[c]})
	}
	for _, e := range res.History {
		meta.Training.History = append(meta.Training.History, modelfile.Epoch{
			Epoch: e.Epoch, TrainLoss: e.TrainLoss, ValLoss: e.ValLoss, ValAccuracy: e.ValAccuracy,
			ValMacroF1: e.ValMacroF1, Seconds: e.Seconds,
		})
	}
	m := &modelfile.Model{Meta: meta, Tensors: weights}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	return m, nil
}
