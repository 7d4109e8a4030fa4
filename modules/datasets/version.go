package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sort"

	"github.com/aquaml/aquaml/platform/apperr"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

var (
	errVersionNotFound = apperr.New(apperr.NotFound, "dataset_version_not_found", "no such dataset version")
	errEmpty           = apperr.New(apperr.Invalid, "dataset_empty", "the dataset has no photos to freeze; add some first")
)

// versionID derives a version's id from its dataset and its exact
// content: the labels (with their names) and the sorted (label, sha256,
// group) list. Labels and groups hold no tabs or newlines (they are
// validated on the way in), so the encoding is unambiguous. The dataset
// is part of it so that two users freezing the same photos get two
// versions, each theirs.
func versionID(datasetID string, labels []LabelInfo, items []VersionItem) string {
	h := sha256.New()
	io.WriteString(h, "aquaml-dataset-version-1\n"+datasetID+"\n")
	for _, l := range labels {
		io.WriteString(h, "label\t"+l.Name+"\t"+l.ScientificName+"\t"+l.CommonName+"\n")
	}
	for _, it := range items {
		io.WriteString(h, "item\t"+it.Label+"\t"+it.SHA256+"\t"+it.Group+"\n")
	}
	return "dsv_" + hex.EncodeToString(h.Sum(nil))[:20]
}

// content reads what a version of the dataset would hold now, sorted as
// FrozenVersion promises.
func (s *store) content(ctx context.Context, datasetID string) ([]LabelInfo, []VersionItem, error) {
	var rows []itemRow
	if err := s.db.WithContext(ctx).Select("label, sha256, group_name").Where("dataset_id = ?", datasetID).Find(&rows).Error; err != nil {
		return nil, nil, err
	}
	names, err := s.labels(ctx, datasetID)
	if err != nil {
		return nil, nil, err
	}
	items := make([]VersionItem, len(rows))
	seen := map[string]bool{}
	var labels []LabelInfo
	for i, r := range rows {
		items[i] = VersionItem{SHA256: r.SHA256, Label: r.Label, Group: r.Group}
		if !seen[r.Label] {
			seen[r.Label] = true
			n := names[r.Label]
			labels = append(labels, LabelInfo{Name: r.Label, ScientificName: n.ScientificName, CommonName: n.CommonName})
		}
	}
	sortContent(labels, items)
	return labels, items, nil
}

// sortContent puts labels by name and items by (label, sha256), byte-wise.
func sortContent(labels []LabelInfo, items []VersionItem) {
	sort.Slice(items, func(i, j int) bool {
		if items[i].Label != items[j].Label {
			return items[i].Label < items[j].Label
		}
		return items[i].SHA256 < items[j].SHA256
	})
	sort.Slice(labels, func(i, j int) bool { return labels[i].Name < labels[j].Name })
}

// freeze records the dataset's current content as a version, unless the
// same content was frozen before: created reports which.
func (s *store) freeze(ctx context.Context, d datasetRow) (versionRow, bool, error) {
	labels, items, err := s.content(ctx, d.ID)
	if err != nil {
		return versionRow{}, false, err
	}
	if len(items) == 0 {
		return versionRow{}, false, errEmpty
	}
	v := versionRow{ID: versionID(d.ID, labels, items), DatasetID: d.ID, UserID: d.UserID, Items: len(items), Labels: len(labels), CreatedAt: nowUTC()}
	created := false
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&v)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		created = true
		vi := make([]versionItemRow, len(items))
		for i, it := range items {
			vi[i] = versionItemRow{VersionID: v.ID, Label: it.Label, SHA256: it.SHA256, Group: it.Group}
		}
		if err := tx.CreateInBatches(vi, insertBatch).Error; err != nil {
			return err
		}
		vl := make([]versionLabelRow, len(labels))
		for i, l := range labels {
			vl[i] = versionLabelRow{VersionID: v.ID, Name: l.Name, ScientificName: l.ScientificName, CommonName: l.CommonName}
		}
		return tx.CreateInBatches(vl, insertBatch).Error
	})
	if err != nil || created {
		return v, created, err
	}
	v, err = s.version(ctx, d.ID, v.ID)
	return v, false, err
}

// version returns a version of the dataset.
func (s *store) version(ctx context.Context, datasetID, id string) (versionRow, error) {
	var v versionRow
	err := s.db.WithContext(ctx).Where("id = ? AND dataset_id = ?", id, datasetID).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return v, errVersionNotFound
	}
	return v, err
}

// versions lists a dataset's versions, newest first.
func (s *store) versions(ctx context.Context, datasetID string, offset, limit int) ([]versionRow, int64, error) {
	q := s.db.WithContext(ctx).Model(&versionRow{}).Where("dataset_id = ?", datasetID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []versionRow
	err := q.Order("created_at DESC, id DESC").Offset(offset).Limit(limit).Find(&rows).Error
	return rows, total, err
}

// versionLabels returns a version's labels with their photo counts, by
// name.
func (s *store) versionLabels(ctx context.Context, versionID string) ([]labelView, error) {
	var rows []labelView
	err := s.db.WithContext(ctx).Table("dataset_version_labels AS l").
		Select("l.name, l.scientific_name, l.common_name, (SELECT COUNT(*) FROM dataset_version_items i WHERE i.version_id = l.version_id AND i.label = l.name) AS count").
		Where("l.version_id = ?", versionID).Order("l.name").Scan(&rows).Error
	return rows, err
}

// frozen reads a whole version, for training.
func (s *store) frozen(ctx context.Context, id string) (FrozenVersion, error) {
	var v versionRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return FrozenVersion{}, errVersionNotFound
	}
	if err != nil {
		return FrozenVersion{}, err
	}
	out := FrozenVersion{ID: v.ID, DatasetID: v.DatasetID, OwnerID: v.UserID}
	var labels []versionLabelRow
	if err := s.db.WithContext(ctx).Where("version_id = ?", id).Order("name").Find(&labels).Error; err != nil {
		return FrozenVersion{}, err
	}
	for _, l := range labels {
		out.Labels = append(out.Labels, LabelInfo{Name: l.Name, ScientificName: l.ScientificName, CommonName: l.CommonName})
	}
	var items []versionItemRow
	if err := s.db.WithContext(ctx).Where("version_id = ?", id).Order("label, sha256").Find(&items).Error; err != nil {
		return FrozenVersion{}, err
	}
	out.Items = make([]VersionItem, len(items))
	for i, it := range items {
		out.Items[i] = VersionItem{SHA256: it.SHA256, Label: it.Label, Group: it.Group}
	}
	// The database's collation may not sort as bytes do; the contract's
	// order is Go's.
	sortContent(out.Labels, out.Items)
	return out, nil
}
