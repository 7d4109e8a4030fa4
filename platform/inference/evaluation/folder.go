package evaluation

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/dataset"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// FolderReport is a model's score on a labelled folder: the scores of
// Result plus what the run could not score and how fast it went.
type FolderReport struct {
	*Result
	// Model names the scored model. ScoreFolder fills in its name and
	// version; a caller that knows where the model came from may say more.
	Model           string  `json:"model"`
	ImagesPerSecond float64 `json:"images_per_second"`
	// FlaggedUnknown counts scored images whose answer fell under the
	// open-set threshold. They are still scored on their top-1 label, so
	// the scores are those of the closed-set classifier.
	FlaggedUnknown int `json:"flagged_unknown"`
	// UnknownLabels counts, per folder label the model does not know, the
	// images left out of the scores: they are no error of the model.
	UnknownLabels map[string]int `json:"labels_not_in_model,omitempty"`
	// Failed gives, per image path, why it could not be classified.
	Failed map[string]string `json:"failed,omitempty"`
}

// DefaultFolderWorkers is how many images ScoreFolder keeps in flight
// unless told otherwise. A caller waits for its batch, so the engine's two
// workers can hold 64 callers in batches of 32; with 48 in flight every
// caller sat in a batch now and then and the cores idled between layers
// (88% busy on 1080p frames). 128 keeps 64 decoding meanwhile: 93% busy and
// 7% more images/s, with no more memory, as an image's bytes are dropped
// once decoded and the decode budget bounds the rest.
const DefaultFolderWorkers = 128

// ScoreFolder classifies every image of the ImageFolder at dir
// (dir/<label>/...) through an inference engine, the way the server does
// (decode, resize, batched inference), and scores the top-1 answers, so
// the numbers are those the server would give, batching included. workers
// is the number of images in flight (DefaultFolderWorkers when <= 0). The
// split is named after dir. When ctx ends, ScoreFolder stops and returns
// ctx's error.
func ScoreFolder(ctx context.Context, m *modelfile.Model, dir string, workers int) (*FolderReport, error) {
	folder, err := dataset.Scan(dir)
	if err != nil {
		return nil, err
	}
	labels := make([]string, len(m.Meta.Labels))
	index := map[string]int{}
	for i, l := range m.Meta.Labels {
		labels[i], index[l.Name] = l.Name, i
	}
	if workers <= 0 {
		workers = DefaultFolderWorkers
	}
	eng, err := inference.New(m, inference.Options{QueueSize: 4 * workers})
	if err != nil {
		return nil, err
	}
	defer eng.Close()

	rep := &FolderReport{Model: m.Meta.Name + " " + m.Meta.Version, UnknownLabels: map[string]int{}, Failed: map[string]string{}}
	s := &scorer{eng: eng, index: index, classes: folder.Classes, rep: rep, conf: NewConfusion(labels)}
	jobs := make(chan dataset.Sample)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sample := range jobs {
				s.score(ctx, sample)
			}
		}()
	}
	for _, sample := range folder.Samples {
		name := folder.Classes[sample.Label]
		if _, ok := index[name]; !ok {
			rep.UnknownLabels[name]++
			continue
		}
		select {
		case jobs <- sample:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.ImagesPerSecond = float64(s.scored) / time.Since(start).Seconds()
	rep.Result = s.conf.Result(filepath.Base(filepath.Clean(dir)))
	return rep, nil
}

// scorer is what ScoreFolder's workers share; mu guards the counts, not
// the engine, which takes concurrent calls and batches them.
type scorer struct {
	eng     *inference.Engine
	index   map[string]int // model label name -> class index
	classes []string       // folder class names, by sample label

	mu     sync.Mutex
	rep    *FolderReport
	conf   *Confusion
	scored int
}

// score classifies one sample and counts the answer.
func (s *scorer) score(ctx context.Context, sample dataset.Sample) {
	truth := s.index[s.classes[sample.Label]]
	data, err := os.ReadFile(sample.Path)
	var res inference.Result
	if err == nil {
		res, err = s.eng.Classify(ctx, data, 1)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.rep.Failed[sample.Path] = err.Error()
		return
	}
	// Both indices are the model's own, so Add cannot fail.
	s.conf.Add(truth, s.index[res.Predictions[0].Label])
	s.scored++
	if res.Unknown {
		s.rep.FlaggedUnknown++
	}
}
