package batch_test

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aquaml/aquaml/db"
	"github.com/aquaml/aquaml/platform/database"
	"github.com/aquaml/aquaml/platform/testkit/dbtest"
)

// migrateTo applies the migrations whose names sort before stop (all when
// stop is "").
func migrateTo(t *testing.T, d *database.DB, stop string) {
	t.Helper()
	all := db.Migrations()
	part := fstest.MapFS{}
	names, _ := fs.Glob(all, "*.sql")
	for _, name := range names {
		if stop == "" || name < stop {
			data, _ := fs.ReadFile(all, name)
			part[name] = &fstest.MapFile{Data: data}
		}
	}
	m, err := database.NewMigrator(d, part)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestQuotaMigrationCountsExistingBatches: batches stored before quotas
// existed count against them once the migration runs, so deleting one
// afterwards gives back what it holds and no more.
func TestQuotaMigrationCountsExistingBatches(t *testing.T) {
	d := dbtest.Open(t)
	migrateTo(t, d, "0005_")
	now := time.Now().UTC()
	for _, b := range []struct {
		id, user string
		sizes    []int64 // a negative size failed at upload: no photo stored
	}{
		{"b1", "alice", []int64{100, 200, -50}},
		{"b2", "alice", []int64{1000}},
		{"b3", "bob", []int64{-7}},
	} {
		if err := d.Exec(`INSERT INTO batches (id, user_id, status, top_k, total, created_at) VALUES (?, ?, 'completed', 3, ?, ?)`,
			b.id, b.user, len(b.sizes), now).Error; err != nil {
			t.Fatal(err)
		}
		for i, size := range b.sizes {
			chunk := 0
			if size < 0 {
				chunk, size = -1, -size
			}
			if err := d.Exec(`INSERT INTO batch_items (batch_id, seq, filename, size_bytes, status, chunk) VALUES (?, ?, 'f', ?, 'done', ?)`,
				b.id, i, size, chunk).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	migrateTo(t, d, "")

	type usage struct {
		UserID                 string
		Batches, Photos, Bytes int64
	}
	var got []usage
	if err := d.Raw(`SELECT user_id, batches, photos, bytes FROM batch_usage ORDER BY user_id`).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	want := []usage{{"alice", 2, 4, 1300}, {"bob", 1, 1, 0}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("usage %+v, want %+v", got, want)
	}
	var storedBytes int64
	d.Raw(`SELECT stored_bytes FROM batches WHERE id = 'b1'`).Scan(&storedBytes)
	if storedBytes != 300 {
		t.Errorf("b1 stored_bytes %d, want 300", storedBytes)
	}
}
