package batch

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// quota is what one user's batches may hold together (BATCH_QUOTA_*);
// 0 lifts a limit. A refusal is 413: what the user sends does not fit,
// and only the user (by deleting batches) can make it fit, so it is not a
// server fault a client should retry.
type quota struct {
	Batches int
	Photos  int
	Bytes   int64
}

func (m *Module) quota() quota {
	return quota{Batches: m.cfg.QuotaBatches, Photos: m.cfg.QuotaPhotos, Bytes: m.cfg.QuotaBytes}
}

// check names the first limit that used plus add would pass, with the
// usage, or returns nil.
func (q quota) check(used, add usage) error {
	const free = "; delete batches you no longer need to make room"
	switch {
	case q.Batches > 0 && used.Batches+add.Batches > q.Batches:
		return apperr.New(apperr.TooLarge, "batch_quota_exceeded", fmt.Sprintf(
			"batch quota reached: you keep %d batches and the limit (BATCH_QUOTA_BATCHES) is %d"+free, used.Batches, q.Batches))
	case q.Photos > 0 && used.Photos+add.Photos > q.Photos:
		return apperr.New(apperr.TooLarge, "photo_quota_exceeded", fmt.Sprintf(
			"photo quota exceeded: your batches hold %d photos and this upload would bring them to %d, over the limit of %d (BATCH_QUOTA_PHOTOS)"+free,
			used.Photos, used.Photos+add.Photos, q.Photos))
	case q.Bytes > 0 && used.Bytes+add.Bytes > q.Bytes:
		return apperr.New(apperr.TooLarge, "storage_quota_exceeded", fmt.Sprintf(
			"storage quota exceeded: your batches hold %s of photos and this upload would bring them to %s, over the limit of %s (BATCH_QUOTA_MB)"+free,
			megabytes(used.Bytes), megabytes(used.Bytes+add.Bytes), megabytes(q.Bytes)))
	}
	return nil
}

// megabytes writes n bytes in the MB (2^20) of the settings.
func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// usage returns what the user's batches hold.
func (s *store) usage(ctx context.Context, userID string) (usage, error) {
	return usageOf(s.db.WithContext(ctx), userID)
}

func usageOf(db *gorm.DB, userID string) (usage, error) {
	var u usage
	err := db.Table("batch_usage").Select("batches, photos, bytes").Where("user_id = ?", userID).Scan(&u).Error
	return u, err
}

// charge adds a batch to its owner's usage inside the transaction that
// creates it, only if it fits: the limits are in the UPDATE's WHERE, so of
// two uploads racing for the last room exactly one gets it (Postgres
// re-checks the WHERE on the row the other committed; SQLite runs one
// write transaction at a time).
func charge(tx *gorm.DB, userID string, add usage, q quota) error {
	if err := tx.Exec(`INSERT INTO batch_usage (user_id, batches, photos, bytes) VALUES (?, 0, 0, 0)
		ON CONFLICT (user_id) DO NOTHING`, userID).Error; err != nil {
		return err
	}
	sql := `UPDATE batch_usage SET batches = batches + ?, photos = photos + ?, bytes = bytes + ? WHERE user_id = ?`
	args := []any{add.Batches, add.Photos, add.Bytes, userID}
	// Only the limits in force go into the statement: a lifted one has
	// no bound to compare with.
	if q.Batches > 0 {
		sql += ` AND batches + ? <= ?`
		args = append(args, add.Batches, q.Batches)
	}
	if q.Photos > 0 {
		sql += ` AND photos + ? <= ?`
		args = append(args, add.Photos, q.Photos)
	}
	if q.Bytes > 0 {
		sql += ` AND bytes + ? <= ?`
		args = append(args, add.Bytes, q.Bytes)
	}
	res := tx.Exec(sql, args...)
	if res.Error != nil || res.RowsAffected == 1 {
		return res.Error
	}
	used, err := usageOf(tx, userID)
	if err != nil {
		return err
	}
	if err := q.check(used, add); err != nil {
		return err
	}
	// A delete freed room between the UPDATE and the read.
	return apperr.New(apperr.TooLarge, "quota_exceeded", "your batch quota was full a moment ago; try again")
}

// refund takes a deleted batch off its owner's usage, inside the
// transaction that deletes it.
func refund(tx *gorm.DB, b batchRow) error {
	return tx.Exec(`UPDATE batch_usage SET batches = batches - 1, photos = photos - ?, bytes = bytes - ? WHERE user_id = ?`,
		b.Total, b.StoredBytes, b.UserID).Error
}

// limitView is one quota as GET /batches/usage shows it; Limit is null
// when the quota is lifted.
type limitView struct {
	Used  int64  `json:"used"`
	Limit *int64 `json:"limit"`
}

func limitOf(used, limit int64) limitView {
	v := limitView{Used: used}
	if limit > 0 {
		v.Limit = &limit
	}
	return v
}

// showUsage tells the caller what their batches hold against each quota.
func (m *Module) showUsage(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	used, err := m.store.usage(ctx, caller.ID)
	if err != nil {
		return err
	}
	q := m.quota()
	return c.JSON(http.StatusOK, map[string]limitView{
		"batches": limitOf(int64(used.Batches), int64(q.Batches)),
		"photos":  limitOf(int64(used.Photos), int64(q.Photos)),
		"bytes":   limitOf(used.Bytes, q.Bytes),
	})
}
