package database_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/db"
	"github.com/aquaml/aquaml/platform/database"
	"github.com/aquaml/aquaml/platform/testkit/dbtest"
)

// tables lists the tables the migrations must create; the check runs on
// whichever database the test environment selects.
var tables = []string{"users", "refresh_tokens", "api_keys"}

func TestMigrationsUpAndDown(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	m, err := database.NewMigrator(d, db.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	status, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(status) == 0 {
		t.Fatal("no migrations found")
	}
	latest := status[len(status)-1].Version

	n, err := m.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(status) {
		t.Errorf("applied %d migrations, want %d", n, len(status))
	}
	if v, _ := m.Version(ctx); v != latest {
		t.Errorf("version after up = %d, want %d", v, latest)
	}
	for _, table := range tables {
		if !d.Migrator().HasTable(table) {
			t.Errorf("table %s missing after up on %s", table, d.Dialect)
		}
	}
	if pending, _ := m.Pending(ctx); pending {
		t.Error("migrations still pending after up")
	}
	if n, err := m.Up(ctx); err != nil || n != 0 {
		t.Errorf("second up applied %d (err %v), want 0", n, err)
	}

	if err := m.Down(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Version(ctx); v >= latest {
		t.Errorf("version after one down = %d, want below %d", v, latest)
	}
	if err := m.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Version(ctx); v != 0 {
		t.Errorf("version after reset = %d", v)
	}
	for _, table := range tables {
		if d.Migrator().HasTable(table) {
			t.Errorf("table %s still there after reset on %s", table, d.Dialect)
		}
	}
	// And back up again: down migrations must leave a clean slate.
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("up after reset: %v", err)
	}
}

func TestEmailIsUniqueRegardlessOfCase(t *testing.T) {
	d := dbtest.New(t)
	now := time.Now().UTC()
	insert := func(id, email, username string) error {
		return d.Exec(`INSERT INTO users (id, email, username, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, 'x', ?, ?)`, id, email, username, now, now).Error
	}
	if err := insert("1", "Fish@Example.com", "a"); err != nil {
		t.Fatal(err)
	}
	if err := insert("2", "fish@example.COM", "b"); err == nil {
		t.Errorf("%s accepted the same email in another case", d.Dialect)
	}
}

func TestPingReportsAClosedDatabase(t *testing.T) {
	d := dbtest.Open(t)
	if _, err := d.Ping(context.Background()); err != nil {
		t.Fatalf("ping on a fresh database: %v", err)
	}
	d.Close()
	if _, err := d.Ping(context.Background()); err == nil {
		t.Fatal("ping succeeded on a closed database")
	}
}

func TestSQLitePragmas(t *testing.T) {
	d, err := database.Open(database.Options{SQLitePath: t.TempDir() + "/nested/dir/a.db"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var mode string
	var fk int
	d.Raw("PRAGMA journal_mode").Scan(&mode)
	d.Raw("PRAGMA foreign_keys").Scan(&fk)
	if mode != "wal" || fk != 1 {
		t.Errorf("journal_mode=%q foreign_keys=%d, want wal and 1", mode, fk)
	}
}

// TestEngineOnlyMigrations: a .postgres.sql migration runs on Postgres
// only. The one that exists drops the predictions -> models foreign key
// (whose share lock made every insert wait behind a model update), which
// SQLite keeps.
func TestEngineOnlyMigrations(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	m, err := database.NewMigrator(d, db.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	status, _ := m.Status(ctx)
	listed := false
	for _, s := range status {
		listed = listed || strings.HasSuffix(s.Name, ".postgres.sql")
		if strings.HasSuffix(s.Name, ".sqlite.sql") && d.Dialect == database.Postgres {
			t.Errorf("a SQLite-only migration is listed on Postgres: %s", s.Name)
		}
	}
	var keys int64
	if d.Dialect == database.Postgres {
		d.Raw(`SELECT count(*) FROM pg_constraint WHERE conrelid = 'predictions'::regclass AND contype = 'f'`).Scan(&keys)
		if !listed || keys != 0 {
			t.Errorf("on Postgres: postgres-only migration listed %v, %d foreign keys on predictions, want 0", listed, keys)
		}
		return
	}
	d.Raw(`SELECT count(*) FROM pragma_foreign_key_list('predictions')`).Scan(&keys)
	if listed || keys != 1 {
		t.Errorf("on SQLite: postgres-only migration listed %v, %d foreign keys on predictions, want 1", listed, keys)
	}
}
