package datasets

import (
	"context"
	"errors"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/paging"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

var (
	errNotFound     = apperr.New(apperr.NotFound, "dataset_not_found", "no such dataset")
	errItemNotFound = apperr.New(apperr.NotFound, "dataset_item_not_found", "no such item in this dataset")
)

// insertBatch is how many rows one INSERT carries: well under SQLite's
// bound on statement variables.
const insertBatch = 200

type store struct{ db *gorm.DB }

func (s *store) get(ctx context.Context, id string) (datasetRow, error) {
	var d datasetRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return d, errNotFound
	}
	return d, err
}

// create adds a dataset if its owner's dataset quota has room.
func (s *store) create(ctx context.Context, d datasetRow, q quota) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockOwner(tx, d.UserID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&datasetRow{}).Where("user_id = ?", d.UserID).Count(&n).Error; err != nil {
			return err
		}
		if err := q.checkDatasets(int(n)); err != nil {
			return err
		}
		return tx.Create(&d).Error
	})
}

// list returns a page of owner's datasets (every user's when owner is
// empty), newest first.
func (s *store) list(ctx context.Context, owner string, pg paging.Request) ([]datasetRow, int64, error) {
	q := s.db.WithContext(ctx).Model(&datasetRow{})
	if owner != "" {
		q = q.Where("user_id = ?", owner)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []datasetRow
	err := q.Order("created_at DESC, id DESC").Offset(pg.Offset()).Limit(pg.Size).Find(&rows).Error
	return rows, total, err
}

// labelCount is how many photos of a dataset carry a label.
type labelCount struct {
	Label string
	N     int
	Bytes int64
}

func (s *store) labelCounts(ctx context.Context, datasetID string) ([]labelCount, error) {
	var out []labelCount
	err := s.db.WithContext(ctx).Model(&itemRow{}).Select("label, COUNT(*) AS n, COALESCE(SUM(size_bytes), 0) AS bytes").
		Where("dataset_id = ?", datasetID).Group("label").Order("label").Scan(&out).Error
	return out, err
}

func (s *store) labels(ctx context.Context, datasetID string) (map[string]labelRow, error) {
	var rows []labelRow
	if err := s.db.WithContext(ctx).Where("dataset_id = ?", datasetID).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]labelRow, len(rows))
	for _, r := range rows {
		out[r.Name] = r
	}
	return out, nil
}

// remove deletes a dataset with its items and versions, and returns the
// photos it held, for the caller to delete those nothing else uses.
func (s *store) remove(ctx context.Context, id string) ([]string, error) {
	var shas []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&itemRow{}).Where("dataset_id = ?", id).Distinct().Pluck("sha256", &shas).Error; err != nil {
			return err
		}
		var frozen []string
		if err := tx.Table("dataset_version_items").Joins("JOIN dataset_versions v ON v.id = dataset_version_items.version_id").
			Where("v.dataset_id = ?", id).Distinct().Pluck("sha256", &frozen).Error; err != nil {
			return err
		}
		shas = append(shas, frozen...)
		// The children go explicitly: the cascade is also declared, but
		// this does not depend on SQLite's foreign_keys pragma.
		sub := tx.Model(&versionRow{}).Select("id").Where("dataset_id = ?", id)
		for _, child := range []any{&versionItemRow{}, &versionLabelRow{}} {
			if err := tx.Where("version_id IN (?)", sub).Delete(child).Error; err != nil {
				return err
			}
		}
		for _, child := range []any{&versionRow{}, &itemRow{}, &labelRow{}} {
			if err := tx.Where("dataset_id = ?", id).Delete(child).Error; err != nil {
				return err
			}
		}
		return tx.Where("id = ?", id).Delete(&datasetRow{}).Error
	})
	return shas, err
}

// unused returns those of shas that no dataset item or version holds.
func (s *store) unused(ctx context.Context, shas []string) ([]string, error) {
	if len(shas) == 0 {
		return nil, nil
	}
	used := map[string]bool{}
	for start := 0; start < len(shas); start += insertBatch {
		part := shas[start:min(start+insertBatch, len(shas))]
		for _, table := range []string{"dataset_items", "dataset_version_items"} {
			var found []string
			if err := s.db.WithContext(ctx).Table(table).Where("sha256 IN ?", part).Distinct().Pluck("sha256", &found).Error; err != nil {
				return nil, err
			}
			for _, f := range found {
				used[f] = true
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, sha := range shas {
		if !used[sha] && !seen[sha] {
			seen[sha] = true
			out = append(out, sha)
		}
	}
	return out, nil
}

// lockOwner serialises, until tx ends, the transactions that check and
// fill one user's quotas, so two uploads racing for the last room cannot
// both pass. SQLite needs nothing: its write transactions run one at a
// time (they begin IMMEDIATE).
func lockOwner(tx *gorm.DB, userID string) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(hashtext('aquaml-datasets'), hashtext(?))", userID).Error
}

// usageOf returns what the user's datasets hold.
func usageOf(tx *gorm.DB, userID string) (usage, error) {
	var u usage
	var n int64
	if err := tx.Model(&datasetRow{}).Where("user_id = ?", userID).Count(&n).Error; err != nil {
		return u, err
	}
	u.Datasets = int(n)
	var sums struct {
		Photos int
		Bytes  int64
	}
	err := tx.Model(&itemRow{}).Select("COUNT(*) AS photos, COALESCE(SUM(size_bytes), 0) AS bytes").
		Where("user_id = ?", userID).Scan(&sums).Error
	u.Photos, u.Bytes = sums.Photos, sums.Bytes
	return u, err
}

// addResult is what adding photos did.
type addResult struct {
	Added      int `json:"added"`
	Duplicates int `json:"duplicates"`
}

// add inserts items (distinct photos) into the dataset, skipping photos
// it holds already, and records the labels' names, all or nothing and
// only if the owner's quota has room for what is new.
func (s *store) add(ctx context.Context, d datasetRow, items []itemRow, labels []labelRow, q quota) (addResult, error) {
	var res addResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockOwner(tx, d.UserID); err != nil {
			return err
		}
		shas := make([]string, len(items))
		for i, it := range items {
			shas[i] = it.SHA256
		}
		held, err := heldIn(tx, d.ID, shas)
		if err != nil {
			return err
		}
		var fresh []itemRow
		var bytes int64
		for _, it := range items {
			if held[it.SHA256] {
				res.Duplicates++
				continue
			}
			fresh = append(fresh, it)
			bytes += it.SizeBytes
		}
		used, err := usageOf(tx, d.UserID)
		if err != nil {
			return err
		}
		if err := q.checkPhotos(used, len(fresh), bytes); err != nil {
			return err
		}
		if len(fresh) > 0 {
			if err := tx.CreateInBatches(fresh, insertBatch).Error; err != nil {
				return err
			}
		}
		if len(labels) > 0 {
			err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "dataset_id"}, {Name: "name"}},
				DoUpdates: clause.AssignmentColumns([]string{"scientific_name", "common_name"}),
			}).CreateInBatches(labels, insertBatch).Error
			if err != nil {
				return err
			}
		}
		res.Added = len(fresh)
		return tx.Model(&datasetRow{}).Where("id = ?", d.ID).Update("updated_at", nowUTC()).Error
	})
	return res, err
}

// heldIn reports which of shas the dataset holds already.
func heldIn(db *gorm.DB, datasetID string, shas []string) (map[string]bool, error) {
	held := map[string]bool{}
	for start := 0; start < len(shas); start += insertBatch {
		var found []string
		if err := db.Model(&itemRow{}).Where("dataset_id = ? AND sha256 IN ?", datasetID, shas[start:min(start+insertBatch, len(shas))]).
			Pluck("sha256", &found).Error; err != nil {
			return nil, err
		}
		for _, f := range found {
			held[f] = true
		}
	}
	return held, nil
}

// items returns a page of a dataset's items, oldest first, with one
// label only when label is set.
func (s *store) items(ctx context.Context, datasetID, label string, pg paging.Request) ([]itemRow, int64, error) {
	q := s.db.WithContext(ctx).Model(&itemRow{}).Where("dataset_id = ?", datasetID)
	if label != "" {
		q = q.Where("label = ?", label)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []itemRow
	err := q.Order("id").Offset(pg.Offset()).Limit(pg.Size).Find(&rows).Error
	return rows, total, err
}

func (s *store) item(ctx context.Context, datasetID, id string) (itemRow, error) {
	var it itemRow
	err := s.db.WithContext(ctx).Where("dataset_id = ? AND id = ?", datasetID, id).Take(&it).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return it, errItemNotFound
	}
	return it, err
}

func (s *store) updateItem(ctx context.Context, it itemRow) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&itemRow{}).Where("id = ?", it.ID).Updates(map[string]any{"label": it.Label, "group_name": it.Group}).Error; err != nil {
			return err
		}
		return tx.Model(&datasetRow{}).Where("id = ?", it.DatasetID).Update("updated_at", nowUTC()).Error
	})
}

func (s *store) removeItem(ctx context.Context, it itemRow) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", it.ID).Delete(&itemRow{}).Error; err != nil {
			return err
		}
		return tx.Model(&datasetRow{}).Where("id = ?", it.DatasetID).Update("updated_at", nowUTC()).Error
	})
}
