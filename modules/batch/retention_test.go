package batch_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

// TestFinishedBatchesExpire: a batch that ended longer ago than
// RETENTION_BATCH_DAYS goes with its photos and gives its quota back; a
// recent one and a running one stay.
func TestFinishedBatchesExpire(t *testing.T) {
	ta := apptest.New(t, withWorker(func(c *config.Config) {
		c.Retention.BatchDays, c.Retention.Interval = 30, time.Second
	}))
	alice := ta.NewUser("alice")
	old := waitEnded(t, ta, alice, submitPhotos(t, ta, alice, photos(t, 2, 32), nil).ID, 30*time.Second)
	recent := waitEnded(t, ta, alice, submitPhotos(t, ta, alice, photos(t, 1, 32), nil).ID, 30*time.Second)
	if err := ta.DB.DB.Exec("UPDATE batches SET finished_at = ? WHERE id = ?",
		time.Now().UTC().AddDate(0, 0, -31), old.ID).Error; err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(ta.Config().Batch.Dir, old.ID)
	waitFor(t, 20*time.Second, "the old batch and its photos to expire", func() bool {
		_, err := os.Stat(dir)
		return os.IsNotExist(err) && ta.Do("GET", ta.API("/batches/"+old.ID), nil, alice.Auth()).Status == http.StatusNotFound
	})
	ta.Do("GET", ta.API("/batches/"+recent.ID), nil, alice.Auth()).Want(http.StatusOK)
	if u := usageOf(t, ta, alice); u.Batches.Used != 1 || u.Photos.Used != 1 {
		t.Errorf("quota after expiry: %+v, want the recent batch only", u)
	}
}
