package evaluation

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// Card is everything a model card shows.
type Card struct {
	Meta *modelfile.Metadata
	// Architecture is a human summary, e.g. "SmallCNN: 3 conv blocks, 0.4 M parameters".
	Architecture string
	// Result gives the detailed metrics; nil falls back to Meta.Metrics.
	Result *Result
	// References are other models' numbers for the comparison table, e.g.
	// the PyTorch reference on the same split.
	References []Reference
	// Figures are images to embed, by path relative to the card.
	Figures []Figure
}

// Reference is one row of the comparison table.
type Reference struct {
	Name     string
	Accuracy float64
	MacroF1  float64
	Notes    string
}

// Figure is an embedded image.
type Figure struct {
	Title string
	Path  string
}

// WriteModelCard writes c as Markdown.
func WriteModelCard(w io.Writer, c Card) error {
	m := c.Meta
	if m == nil {
		return fmt.Errorf("%w: model card without metadata", ErrBadInput)
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("# %s %s\n\n", m.Name, m.Version)
	if !m.CreatedAt.IsZero() {
		p("Created %s.\n\n", m.CreatedAt.UTC().Format("2006-01-02 15:04 MST"))
	}
	p("## Model\n\n")
	if c.Architecture != "" {
		p("- Architecture: %s\n", c.Architecture)
	}
	p("- Input: %d x %d x %d (channels x height x width), RGB scaled to [0,1] then normalised with mean %v and std %v\n",
		m.Input.Channels, m.Input.Height, m.Input.Width, m.Mean, m.Std)
	p("- Classes: %d\n", len(m.Labels))
	if m.UnknownThreshold > 0 {
		p("- Open-set threshold: %.3g (a top-1 probability below it is reported as \"unknown\")\n", m.UnknownThreshold)
	} else {
		p("- Open-set threshold: none (every image gets a class)\n")
	}

	writeData(p, m)
	if t := m.Training; t != nil {
		p("\n## Training\n\n")
		if t.Command != "" {
			p("- Command: `%s`\n", strings.ReplaceAll(t.Command, "`", "'"))
		}
		p("- Epochs: %d", t.Epochs)
		if t.BatchSize > 0 {
			p(", batch size %d", t.BatchSize)
		}
		p(", seed %d\n", t.Seed)
		writeRecipe(p, t.Hyperparameters)
		p("- Wall time: %s\n", (time.Duration(t.WallTimeSeconds * float64(time.Second))).Round(time.Second))
	}

	res := c.Result
	var metrics *modelfile.Metrics
	if res != nil {
		mm := res.Metrics()
		metrics = &mm
	} else {
		metrics = m.Metrics
	}
	if metrics != nil {
		writeMetrics(p, metrics)
	}
	writeComparison(p, metrics, c.References)
	if len(c.Figures) > 0 {
		p("\n## Figures\n\n")
		for _, f := range c.Figures {
			p("![%s](%s)\n\n", cell(f.Title), f.Path)
		}
	}
	if m.Training != nil && m.Training.Licence != "" {
		p("\n## Data licence\n\n")
		for _, line := range strings.Split(strings.TrimSpace(m.Training.Licence), "\n") {
			p("> %s\n", line)
		}
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("evaluation: write model card: %w", err)
	}
	return nil
}

type printer func(format string, args ...any)

func writeData(p printer, m *modelfile.Metadata) {
	p("\n## Data\n\n")
	t := m.Training
	if t != nil && t.TrainDir != "" {
		p("- Training data: `%s`\n", t.TrainDir)
	}
	if t != nil && t.ValDir != "" {
		p("- Validation data: `%s`\n", t.ValDir)
	}
	counts := map[string]modelfile.ClassCount{}
	if t != nil {
		for _, c := range t.Classes {
			counts[c.Label] = c
		}
	}
	p("\n| Class | Scientific name | Common name | Train | Val |\n|---|---|---|---:|---:|\n")
	for _, l := range m.Labels {
		c, ok := counts[l.Name]
		train, val := "", ""
		if ok {
			train, val = fmt.Sprint(c.Train), fmt.Sprint(c.Val)
		}
		p("| %s | %s | %s | %s | %s |\n", cell(l.Name), cell(l.ScientificName), cell(l.CommonName), train, val)
	}
}

func writeMetrics(p printer, m *modelfile.Metrics) {
	split := m.Split
	if split == "" {
		split = "evaluation split"
	}
	p("\n## Metrics (%s)\n\n", split)
	p("- Accuracy: %.4f\n- Macro-F1: %.4f\n", m.Accuracy, m.MacroF1)
	if len(m.PerClass) == 0 {
		return
	}
	p("\n| Class | Precision | Recall | F1 | Support |\n|---|---:|---:|---:|---:|\n")
	for _, c := range m.PerClass {
		p("| %s | %.3f | %.3f | %.3f | %d |\n", cell(c.Label), c.Precision, c.Recall, c.F1, c.Support)
	}
}

func writeComparison(p printer, m *modelfile.Metrics, refs []Reference) {
	if len(refs) == 0 {
		return
	}
	p("\n## Comparison\n\n| Model | Accuracy | Macro-F1 | Notes |\n|---|---:|---:|---|\n")
	if m != nil {
		p("| this model | %.4f | %.4f | %s |\n", m.Accuracy, m.MacroF1, cell(m.Split))
	}
	for _, r := range refs {
		p("| %s | %.4f | %.4f | %s |\n", cell(r.Name), r.Accuracy, r.MacroF1, cell(r.Notes))
	}
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
