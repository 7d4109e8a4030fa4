// Package db holds the goose migrations, one ordered sequence that runs on
// both Postgres and SQLite. Files are named NNNN_<module>_<change>.sql and
// keep to portable DDL: text ids, TIMESTAMP (always UTC), REAL, BOOLEAN.
// The rare change only one engine needs is NNNN_<module>_<change>.postgres.sql
// (or .sqlite.sql) and runs on that engine alone.
package db

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var embedded embed.FS

// Migrations is the migration folder as goose expects it: files at the root.
func Migrations() fs.FS {
	sub, err := fs.Sub(embedded, "migrations")
	if err != nil {
		panic(err) // the pattern above guarantees the folder exists
	}
	return sub
}
