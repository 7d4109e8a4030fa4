package training

import (
	"context"
	"fmt"
	"io"

	"github.com/aquaml/aquaml/platform/inference/dataset"
	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// Score classifies every photo of the ImageFolder dir, whose labels must
// be the model's, with the serving preprocessing, each photo alone or,
// with flipTTA, averaged with its mirror image, and returns the accuracy,
// macro-F1 and per-class scores (no open-set threshold applied).
func Score(ctx context.Context, m *modelfile.Model, dir string, flipTTA bool) (*evaluation.Result, error) {
	f, err := dataset.Scan(dir)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	labels := make([]string, len(m.Meta.Labels))
	for i, l := range m.Meta.Labels {
		labels[i] = l.Name
	}
	if fmt.Sprint(labels) != fmt.Sprint(f.Classes) {
		return nil, fmt.Errorf("%w: %s has the labels %v, the model %v", ErrOptions, dir, f.Classes, labels)
	}
	arch, err := nn.FromModel(m)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	const batch = 32
	p, err := nn.NewPredictor(arch, m.Tensors, batch)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	in := arch.Input()
	l, err := dataset.NewLoader(f, dataset.Config{Size: in.Width, Height: in.Height, BatchSize: batch, Mean: m.Meta.Mean, Std: m.Meta.Std})
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	classify := p.Run
	if flipTTA {
		var buf []float32
		classify = func(x, probs []float32) error { return flipAveraged(p.Run, x, probs, in, &buf) }
	}
	k := arch.Classes()
	x, ys, probs := make([]float32, batch*in.Len()), make([]int, batch), make([]float32, batch*k)
	s := newScores(f.Classes)
	it := l.Epoch(ctx, 0)
	defer it.Close()
	for {
		n, err := it.Next(x, ys)
		if err == io.EOF {
			return s.result(), nil
		}
		if err != nil {
			return nil, err
		}
		if err := classify(x[:n*in.Len()], probs[:n*k]); err != nil {
			return nil, fmt.Errorf("training: %w", err)
		}
		for i := range n {
			if err := s.add(probs[i*k:(i+1)*k], ys[i]); err != nil {
				return nil, err
			}
		}
	}
}
