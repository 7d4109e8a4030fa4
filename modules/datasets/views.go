package datasets

import (
	"context"
	"fmt"
	"time"
)

// labelView is one label of a dataset or version with its photo count.
type labelView struct {
	Name           string `json:"name"`
	ScientificName string `json:"scientific_name"`
	CommonName     string `json:"common_name"`
	Count          int    `json:"count"`
}

// warning is something about a dataset that will hurt a model trained on
// it.
type warning struct {
	Code    string `json:"code"`
	Label   string `json:"label"`
	Message string `json:"message"`
}

// datasetView is a dataset as the API answers it.
type datasetView struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	OwnerID     string      `json:"owner_id"`
	Photos      int         `json:"photos"`
	Bytes       int64       `json:"bytes"`
	Labels      []labelView `json:"labels"`
	MinPerLabel int         `json:"min_per_label"`
	Warnings    []warning   `json:"warnings"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// view builds a dataset's view with its per-label counts and warnings.
func (m *Module) view(ctx context.Context, d datasetRow) (datasetView, error) {
	v := datasetView{ID: d.ID, Name: d.Name, Description: d.Description, OwnerID: d.UserID, MinPerLabel: m.cfg.MinPerLabel,
		Labels: []labelView{}, Warnings: []warning{}, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	counts, err := m.store.labelCounts(ctx, d.ID)
	if err != nil {
		return v, err
	}
	names, err := m.store.labels(ctx, d.ID)
	if err != nil {
		return v, err
	}
	for _, c := range counts {
		n := names[c.Label]
		v.Labels = append(v.Labels, labelView{Name: c.Label, ScientificName: n.ScientificName, CommonName: n.CommonName, Count: c.N})
		v.Photos += c.N
		v.Bytes += c.Bytes
		if c.N < m.cfg.MinPerLabel {
			v.Warnings = append(v.Warnings, warning{Code: "few_photos", Label: c.Label, Message: fmt.Sprintf(
				"%q has %d photos; a model learns a label from about %d on (DATASET_MIN_PER_LABEL)", c.Label, c.N, m.cfg.MinPerLabel)})
		}
	}
	if len(counts) == 1 {
		v.Warnings = append(v.Warnings, warning{Code: "one_label", Label: counts[0].Label,
			Message: "the dataset has one label: a classifier needs at least two to tell apart"})
	}
	return v, nil
}

// itemView is one photo of a dataset.
type itemView struct {
	ID           string    `json:"id"`
	Filename     string    `json:"filename"`
	Label        string    `json:"label"`
	Group        string    `json:"group"`
	SHA256       string    `json:"sha256"`
	SizeBytes    int64     `json:"size_bytes"`
	Width        int       `json:"width"`
	Height       int       `json:"height"`
	Format       string    `json:"format"`
	Source       string    `json:"source"`
	PredictionID string    `json:"prediction_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

func itemOf(it itemRow) itemView {
	v := itemView{ID: it.ID, Filename: it.Filename, Label: it.Label, Group: it.Group, SHA256: it.SHA256, SizeBytes: it.SizeBytes,
		Width: it.Width, Height: it.Height, Format: it.Format, Source: it.Source, CreatedAt: it.CreatedAt}
	if it.Source == sourceFeedback {
		v.PredictionID = it.SourceRef
	}
	return v
}

// versionView is a frozen version; Labels only when one version is read.
type versionView struct {
	ID        string      `json:"id"`
	DatasetID string      `json:"dataset_id"`
	Photos    int         `json:"photos"`
	LabelN    int         `json:"label_count"`
	Labels    []labelView `json:"labels,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
}

func versionOf(v versionRow) versionView {
	return versionView{ID: v.ID, DatasetID: v.DatasetID, Photos: v.Items, LabelN: v.Labels, CreatedAt: v.CreatedAt}
}
