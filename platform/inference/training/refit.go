package training

import (
	"context"
	"fmt"
	"time"

	"github.com/aquaml/aquaml/platform/inference/dataset"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// refit trains again, from the same start and on the same schedule, on
// the training and validation photos together, and returns the weights
// after epochs epochs: as many as the held-out run ran. On a few hundred
// photos the fifth held out to score the run is data the model misses;
// once it has been scored the model can learn from it too. Nothing is
// validated (the validation photos are training photos now), so the
// held-out run's last epoch's scores and threshold stand for the model.
func (r *run) refit(ctx context.Context, epochs int) ([]modelfile.Tensor, error) {
	o := r.o
	o.OnEpoch = nil // a job's progress is the held-out run's
	if o.Checkpoint != "" {
		// Its own file: the held-out run's checkpoint stays, so a run
		// killed while refitting resumes here instead of from scratch.
		o.Checkpoint += ".refit"
	}
	all := make([]dataset.Sample, 0, len(r.train.Samples)+len(r.val.Samples))
	all = append(append(all, r.train.Samples...), r.val.Samples...)
	again := &run{o: o, val: r.val, train: &dataset.Folder{Root: r.train.Root, Classes: r.train.Classes, Samples: all}}
	if err := again.build(); err != nil {
		return nil, err
	}
	res := &Result{BestEpoch: epochs}
	start := 1
	if c := again.resumed; c != nil {
		start, res.History = c.Epoch+1, c.History
	}
	perEpoch := again.trainData.Batches()
	again.progress = newProgress(o.Progress, epochs, perEpoch)
	again.progress.doneBefore = (start - 1) * perEpoch
	for epoch := start; epoch <= epochs; epoch++ {
		stats, err := again.trainEpoch(ctx, epoch)
		if err != nil {
			return nil, err
		}
		stats.Seconds = time.Since(again.progress.epochStart).Seconds()
		res.History = append(res.History, stats)
		if err := again.checkpoint(epoch, res, nil, nil); err != nil {
			return nil, err
		}
		again.progress.line(fmt.Sprintf("refit on all %d photos: epoch %d/%d loss %.4f (%.0f img/s)",
			len(all), epoch, epochs, stats.TrainLoss, stats.ImagesPerSec))
		if r.o.OnRefitEpoch != nil {
			r.o.OnRefitEpoch(epoch, epochs, stats)
		}
	}
	return again.kept(), nil
}
