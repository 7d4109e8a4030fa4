// Package database opens the GORM connection: Postgres when DATABASE_URL is
// set, otherwise an embedded SQLite file (pure Go), and runs the goose
// migrations on either.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Dialect names the database in use.
type Dialect string

// Supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Options selects and sizes the database.
type Options struct {
	URL         string // postgres://...; empty selects SQLite
	PoolSize    int
	MaxOverflow int
	SQLitePath  string
	Logger      *slog.Logger
}

// DB is the GORM handle with the dialect it talks to.
type DB struct {
	*gorm.DB
	Dialect Dialect
	SQL     *sql.DB
}

// Open connects without waiting for the server: a database that is still
// starting makes the service unready, not dead. Ping tells when it answers.
func Open(opts Options) (*DB, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	cfg := &gorm.Config{
		Logger:                 newLogger(log),
		DisableAutomaticPing:   true,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
	}
	var (
		gdb     *gorm.DB
		err     error
		dialect Dialect
	)
	if opts.URL != "" {
		dialect = Postgres
		gdb, err = gorm.Open(postgres.Open(opts.URL), cfg)
	} else {
		dialect = SQLite
		if dir := filepath.Dir(opts.SQLitePath); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("database: create %s: %w", dir, err)
			}
		}
		var conn *sql.DB
		if conn, err = openGatedSQLite(sqliteDSN(opts.SQLitePath), sqliteBusyTimeout); err == nil {
			gdb, err = gorm.Open(sqlite.Dialector{DriverName: sqlite.DriverName, Conn: conn}, cfg)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("database: open %s: %w", dialect, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if dialect == Postgres {
		sqlDB.SetMaxIdleConns(max(opts.PoolSize, 1))
		sqlDB.SetMaxOpenConns(max(opts.PoolSize, 1) + max(opts.MaxOverflow, 0))
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		// SQLite serialises writers anyway; a few connections let readers
		// run beside a writer under WAL.
		sqlDB.SetMaxOpenConns(4)
		sqlDB.SetMaxIdleConns(4)
	}
	return &DB{DB: gdb, Dialect: dialect, SQL: sqlDB}, nil
}

// sqliteDSN turns on WAL (readers never block the writer), foreign keys
// (off by default in SQLite) and a busy timeout, and takes the write lock
// at BEGIN so two writers queue instead of failing on lock upgrade.
// The busy timeout still governs writers of other processes; writers of
// this one queue at the write gate (sqlitegate.go) for as long.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()) +
		"&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

const sqliteBusyTimeout = 10 * time.Second

// Ping measures a round trip to the database.
func (d *DB) Ping(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	err := d.SQL.PingContext(ctx)
	return time.Since(start), err
}

// Close closes every connection.
func (d *DB) Close() error { return d.SQL.Close() }
