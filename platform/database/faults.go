package database

import (
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/jackc/pgx/v5/pgconn"
)

// RetryAfter is what a caller is told to wait when the database cannot be
// reached: long enough for a restart or a failover, short enough for a
// camera to keep its photos.
const RetryAfter = 5 * time.Second

// Fault says what a database error means for the caller when it is not the
// caller's doing: the database cannot be reached (503, with Retry-After) or
// it is full (507, SQLite's SQLITE_FULL or Postgres's disk_full). Any other error gives nil and stays a fault of ours.
// The HTTP error handler asks it about every error no service classified,
// so no store has to recognise drivers' errors itself.
func Fault(err error) *apperr.Error {
	switch {
	case err == nil:
		return nil
	case full(err):
		return apperr.Wrap(apperr.NoSpace, "insufficient_storage",
			"the server is out of storage space; nothing was saved, try again once an operator has freed some", err)
	case unreachable(err):
		return Unavailable(err)
	}
	return nil
}

// Unavailable is the error a caller gets while the database cannot be
// reached; cause goes to the logs only.
func Unavailable(cause error) *apperr.Error {
	e := apperr.Wrap(apperr.Unavailable, "database_unavailable", "the database is unavailable; try again shortly", cause)
	e.RetryAfter = RetryAfter
	return e
}

// SQLite result codes (the primary code is the low byte of an extended one).
const (
	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14
)

// sqliteCode is the result code of an error from the SQLite driver.
func sqliteCode(err error) (int, bool) {
	var se interface {
		error
		Code() int
	}
	if errors.As(err, &se) {
		return se.Code() & 0xff, true
	}
	return 0, false
}

func full(err error) bool {
	if code, ok := sqliteCode(err); ok && code == sqliteFull {
		return true
	}
	var pe *pgconn.PgError
	// 53100 disk_full, 53200 out_of_memory's sibling class 53 is about
	// resources; only the disk is ours to report as storage.
	return errors.As(err, &pe) && pe.Code == "53100"
}

// unreachable recognises a database that cannot be talked to, as opposed
// to one that refused a statement.
func unreachable(err error) bool {
	var (
		pe *pgconn.PgError
		ce *pgconn.ConnectError
	)
	switch {
	case errors.As(err, &pe):
		// Class 08 is connection_exception; 57P01-57P03 are the server
		// shutting down or not accepting connections yet; 53300 is
		// too_many_connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" ||
			pe.Code == "57P03" || pe.Code == "53300"
	case errors.As(err, &ce), pgconn.SafeToRetry(err), errors.Is(err, driver.ErrBadConn):
		return true
	case raisedBy(err, pgconnPkg, "pgconnError", "errTimeout"):
		// The driver lost the connection (a failed write, "conn closed")
		// or the server did not answer in time.
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		// A pooled connection that broke mid-statement: pgx returns the
		// read's error as it is. A refused dial is not among these: the
		// driver reports its own as ConnectError, and any other (a
		// webhook's) is no database outage.
		return true
	}
	if code, ok := sqliteCode(err); ok {
		return code == sqliteIOErr || code == sqliteCantOpen
	}
	// database/sql does not export the error of a closed handle.
	return strings.Contains(err.Error(), "sql: database is closed")
}

const pgconnPkg = "github.com/jackc/pgx/v5/pgconn"

// raisedBy reports whether err's chain holds an error of one of the named
// types of package pkg. The driver does not export its connection errors'
// types, so they are told by name.
func raisedBy(err error, pkg string, names ...string) bool {
	queue := []error{err}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		if e == nil {
			continue
		}
		t := reflect.TypeOf(e)
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.PkgPath() == pkg && slices.Contains(names, t.Name()) {
			return true
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			queue = append(queue, u.Unwrap())
		case interface{ Unwrap() []error }:
			queue = append(queue, u.Unwrap()...)
		}
	}
	return false
}
