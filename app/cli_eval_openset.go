package app

import (
	"context"
	"os"
	"sync"

	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/dataset"
	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// openSet is how the model answered photos of labels it does not know:
// they cannot be scored, but an open-set model should flag them unknown.
type openSet struct {
	Photos         int `json:"photos"`
	FlaggedUnknown int `json:"flagged_unknown"`
	Failed         int `json:"failed,omitempty"`
}

// evalReport is the eval command's report: the scores, and the open-set
// check of the photos the scores leave out.
type evalReport struct {
	*evaluation.FolderReport
	OpenSet *openSet `json:"labels_not_in_model_answers,omitempty"`
}

// checkOpenSet classifies the photos of dir whose label the model does
// not know and counts those it flags unknown.
func checkOpenSet(ctx context.Context, m *modelfile.Model, dir string, unknown map[string]int, workers int) (*openSet, error) {
	if len(unknown) == 0 {
		return nil, nil
	}
	folder, err := dataset.Scan(dir)
	if err != nil {
		return nil, err
	}
	eng, err := inference.New(m, inference.Options{})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	paths := make(chan string)
	res := &openSet{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				data, err := os.ReadFile(p)
				var r inference.Result
				if err == nil {
					r, err = eng.Classify(ctx, data, 1)
				}
				mu.Lock()
				switch {
				case err != nil:
					res.Failed++
				case r.Unknown:
					res.FlaggedUnknown++
				}
				mu.Unlock()
			}
		}()
	}
	for _, s := range folder.Samples {
		if _, ok := unknown[folder.Classes[s.Label]]; !ok {
			continue
		}
		res.Photos++
		select {
		case paths <- s.Path:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(paths)
	wg.Wait()
	return res, ctx.Err()
}
