package database

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrator applies the goose migrations in fsys to the database.
type Migrator struct {
	p *goose.Provider
}

// MigrationState is one migration and whether it is applied.
type MigrationState struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// NewMigrator prepares the migrations. On Postgres a session lock makes
// replicas that start together apply them once.
//
// A migration named NNNN_x.postgres.sql runs on Postgres only, and
// NNNN_x.sqlite.sql on SQLite only: for the rare change that one engine
// needs and the other cannot express. Its version is simply absent on the
// other engine.
func NewMigrator(d *DB, fsys fs.FS) (*Migrator, error) {
	var (
		dialect = goose.DialectSQLite3
		opts    []goose.ProviderOption
		other   = ".postgres.sql"
	)
	if d.Dialect == Postgres {
		other = ".sqlite.sql"
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, d.SQL, withoutSuffix{fsys, other}, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return &Migrator{p: p}, nil
}

// Up applies every pending migration and returns how many ran.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// Down rolls back the latest applied migration.
func (m *Migrator) Down(ctx context.Context) error {
	if _, err := m.p.Down(ctx); err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// Reset rolls back every migration.
func (m *Migrator) Reset(ctx context.Context) error {
	if _, err := m.p.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("migrate reset: %w", err)
	}
	return nil
}

// Version is the latest applied migration, 0 when none.
func (m *Migrator) Version(ctx context.Context) (int64, error) {
	v, err := m.p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate version: %w", err)
	}
	return v, nil
}

// Pending reports whether migrations remain to apply.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	return m.p.HasPending(ctx)
}

// Status lists every migration in order.
func (m *Migrator) Status(ctx context.Context) ([]MigrationState, error) {
	st, err := m.p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate status: %w", err)
	}
	out := make([]MigrationState, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationState{
			Version:   s.Source.Version,
			Name:      path.Base(s.Source.Path),
			Applied:   s.State == goose.StateApplied,
			AppliedAt: s.AppliedAt,
		})
	}
	return out, nil
}

// withoutSuffix hides the migrations written for the other engine.
type withoutSuffix struct {
	fs.FS
	suffix string
}

func (w withoutSuffix) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(w.FS, name)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return strings.HasSuffix(e.Name(), w.suffix) }), nil
}
