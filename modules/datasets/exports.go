package datasets

import (
	"context"
	"errors"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/blobstore"
)

// What other features (training) take from datasets, wired by app/
// through the small interfaces they declare.

// VersionItem is one photo of a frozen dataset version.
type VersionItem struct{ SHA256, Label, Group string }

// LabelInfo names a label.
type LabelInfo struct{ Name, ScientificName, CommonName string }

// FrozenVersion is an immutable dataset version.
type FrozenVersion struct {
	ID, DatasetID, OwnerID string
	Labels                 []LabelInfo   // every label of Items, sorted by Name
	Items                  []VersionItem // sorted by (Label, SHA256)
}

// Version returns a frozen version by id. Unknown id: apperr NotFound,
// code "dataset_version_not_found". It checks no owner: the caller
// (a training job) decides who may use it.
func (m *Module) Version(ctx context.Context, id string) (FrozenVersion, error) {
	return m.store.frozen(ctx, id)
}

// Photo returns a dataset photo's bytes by SHA-256 (content-addressed blob
// store).
func (m *Module) Photo(ctx context.Context, sha256 string) ([]byte, error) {
	data, err := m.blobs.Get(ctx, sha256)
	if errors.Is(err, blobstore.ErrNotFound) {
		return nil, apperr.New(apperr.NotFound, "dataset_photo_not_found", "no dataset photo has that SHA-256")
	}
	return data, err
}
