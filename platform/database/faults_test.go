package database

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"syscall"
	"testing"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestFaultTellsOutagesAndFullDisksFromBugs(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode string // "" means not recognised: stays a 500
	}{
		{"a pooled connection cut mid-statement", fmt.Errorf("auth: load user: %w", io.ErrUnexpectedEOF), "database_unavailable"},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, "database_unavailable"},
		{"another service refusing a dial is no database outage", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, ""},
		{"Postgres starting up", fmt.Errorf("find user: %w", &pgconn.PgError{Code: "57P03"}), "database_unavailable"},
		{"Postgres shutting down", &pgconn.PgError{Code: "57P01"}, "database_unavailable"},
		{"connection exception", &pgconn.PgError{Code: "08006"}, "database_unavailable"},
		{"too many connections", &pgconn.PgError{Code: "53300"}, "database_unavailable"},
		{"closed handle", errors.New("sql: database is closed"), "database_unavailable"},
		{"Postgres disk full", &pgconn.PgError{Code: "53100"}, "insufficient_storage"},
		{"SQLite full", sqliteErr{13}, "insufficient_storage"},
		{"SQLite I/O error (extended code)", sqliteErr{10 | 3<<8}, "database_unavailable"},
		{"unique violation is ours to handle", &pgconn.PgError{Code: "23505"}, ""},
		{"SQLite constraint", sqliteErr{19}, ""},
		{"a plain bug", errors.New("nil map"), ""},
		{"a missing file is no outage", &fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fault(tt.err)
			switch {
			case tt.wantCode == "" && got != nil:
				t.Fatalf("recognised as %q", got.Code)
			case tt.wantCode == "":
				return
			case got == nil:
				t.Fatalf("not recognised, want %q", tt.wantCode)
			case got.Code != tt.wantCode:
				t.Fatalf("code %q, want %q", got.Code, tt.wantCode)
			}
			if !errors.Is(got, tt.err) {
				t.Error("the cause is lost for the logs")
			}
			if got.Kind == apperr.Unavailable && got.RetryAfter <= 0 {
				t.Error("no Retry-After for an outage")
			}
		})
	}
}

type sqliteErr struct{ code int }

func (e sqliteErr) Error() string { return fmt.Sprintf("sqlite error %d", e.code) }
func (e sqliteErr) Code() int     { return e.code }
