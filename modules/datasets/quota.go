package datasets

import (
	"fmt"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
)

// quota is what one user's datasets may hold together (DATASET_QUOTA_*);
// 0 lifts a limit. A refusal is 413: only the user, by deleting photos or
// datasets, can make room.
type quota struct {
	Datasets int
	Photos   int
	Bytes    int64
}

func (m *Module) quota() quota {
	return quota{Datasets: m.cfg.QuotaDatasets, Photos: m.cfg.QuotaPhotos, Bytes: m.cfg.QuotaBytes}
}

func (q quota) checkDatasets(have int) error {
	if q.Datasets > 0 && have+1 > q.Datasets {
		return apperr.New(apperr.TooLarge, "dataset_quota_exceeded", fmt.Sprintf(
			"dataset quota reached: you keep %d datasets and the limit (DATASET_QUOTA_DATASETS) is %d; delete one to make room", have, q.Datasets))
	}
	return nil
}

// checkPhotos names the limit that photos more photos of bytes would
// pass, or returns nil.
func (q quota) checkPhotos(used usage, photos int, bytes int64) error {
	const free = "; remove photos or datasets you no longer need to make room"
	switch {
	case q.Photos > 0 && used.Photos+photos > q.Photos:
		return apperr.New(apperr.TooLarge, "dataset_photo_quota_exceeded", fmt.Sprintf(
			"photo quota exceeded: your datasets hold %d photos and this would bring them to %d, over the limit of %d (DATASET_QUOTA_PHOTOS)"+free,
			used.Photos, used.Photos+photos, q.Photos))
	case q.Bytes > 0 && used.Bytes+bytes > q.Bytes:
		return apperr.New(apperr.TooLarge, "dataset_storage_quota_exceeded", fmt.Sprintf(
			"storage quota exceeded: your datasets hold %.1f MB of photos and this would bring them to %.1f MB, over the limit of %.1f MB (DATASET_QUOTA_MB)"+free,
			mb(used.Bytes), mb(used.Bytes+bytes), mb(q.Bytes)))
	}
	return nil
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// nowUTC is the time rows are stamped with; microseconds, which both
// databases keep exactly.
func nowUTC() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
