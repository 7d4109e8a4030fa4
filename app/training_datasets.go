package app

import (
	"context"

	"github.com/aquaml/aquaml/modules/datasets"
	"github.com/aquaml/aquaml/modules/training"
)

// datasetVersions gives training the frozen versions and photos of the
// datasets module.
type datasetVersions struct{ m *datasets.Module }

func (d datasetVersions) Version(ctx context.Context, id string) (training.DatasetVersion, error) {
	v, err := d.m.Version(ctx, id)
	if err != nil {
		return training.DatasetVersion{}, err
	}
	out := training.DatasetVersion{ID: v.ID, OwnerID: v.OwnerID}
	for _, l := range v.Labels {
		out.Labels = append(out.Labels, training.DatasetLabel{Name: l.Name, ScientificName: l.ScientificName, CommonName: l.CommonName})
	}
	for _, it := range v.Items {
		out.Items = append(out.Items, training.DatasetItem{SHA256: it.SHA256, Label: it.Label, Group: it.Group})
	}
	return out, nil
}

func (d datasetVersions) Photo(ctx context.Context, sha256 string) ([]byte, error) {
	return d.m.Photo(ctx, sha256)
}
