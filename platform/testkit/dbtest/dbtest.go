// Package dbtest gives each test its own migrated database: a fresh schema
// on the Postgres named by TEST_DATABASE_URL, or a fresh SQLite file when it
// is unset. Both are real databases; nothing is mocked.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/aquaml/aquaml/db"
	"github.com/aquaml/aquaml/platform/database"
)

// URL returns the database URL a test App should use (empty for SQLite)
// and the SQLite path otherwise. The schema or file is removed after t.
func URL(t testing.TB) (pgURL, sqlitePath string) {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		return "", t.TempDir() + "/test.db"
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	admin, err := database.Open(database.Options{URL: base, PoolSize: 1})
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		admin.Close()
		t.Fatalf("dbtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("dbtest: TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), ""
}

// Open returns an empty database (no migrations applied), closed after t.
func Open(t testing.TB) *database.DB {
	t.Helper()
	pg, path := URL(t)
	d, err := database.Open(database.Options{URL: pg, SQLitePath: path, PoolSize: 4, MaxOverflow: 4})
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// New returns a database with every migration applied.
func New(t testing.TB) *database.DB {
	t.Helper()
	d := Open(t)
	m, err := database.NewMigrator(d, db.Migrations())
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return d
}
