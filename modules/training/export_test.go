package training

import (
	"context"
	"log/slog"
)

// Materialise lays out a dataset version under jobDir as a worker would,
// for tests whose worker subprocesses cannot reach the test's data sets.
func Materialise(ctx context.Context, ds Datasets, jobDir, versionID string) (string, error) {
	m := &Module{deps: Deps{Datasets: ds}, log: slog.Default()}
	return m.materialise(ctx, jobDir, versionID)
}

// The recipe's defaults, for the tests that check they are filled in.
const (
	DefaultMixup         = defaultMixup
	DefaultAverageEpochs = defaultAverageEpochs
	DefaultPatience      = defaultPatience
	DefaultRefit         = defaultRefit
)
