package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
)

// SQLite lets one writer in at a time and makes the others wait in its
// busy handler, which sleeps 1, 2, 5, 10, 15, 20 ms... between tries: a
// write that meets another one already running loses 8 ms or more even
// when that one ends after a few hundred microseconds. Classification
// records every prediction, so under load beside other writers (a training
// job's progress, a batch) those sleeps were most of the p95. The gate
// queues this process's writers on a channel instead, so the next one
// starts the moment the last one ends; readers never wait for it (WAL).
// Other processes on the same file still meet SQLite's busy handler.

// errWriteWait is returned when a writer waited for the gate as long as
// SQLite's own busy_timeout would have let it.
var errWriteWait = errors.New("database is locked: another write held it too long")

// writeGate admits one writer at a time; wait bounds how long one waits.
type writeGate struct {
	slot chan struct{}
	wait time.Duration
}

func newWriteGate(wait time.Duration) *writeGate {
	return &writeGate{slot: make(chan struct{}, 1), wait: wait}
}

func (g *writeGate) enter(ctx context.Context) error {
	select {
	case g.slot <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slot <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return errWriteWait
	}
}

func (g *writeGate) leave() { <-g.slot }

// openGatedSQLite opens the SQLite file through the gate, with the driver
// glebarez/sqlite registers (sql.Open connects to nothing).
func openGatedSQLite(dsn string, wait time.Duration) (*sql.DB, error) {
	probe, err := sql.Open(sqlite.DriverName, "")
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	probe.Close()
	return sql.OpenDB(&gatedConnector{dsn: dsn, drv: drv, gate: newWriteGate(wait)}), nil
}

type gatedConnector struct {
	dsn  string
	drv  driver.Driver
	gate *writeGate
}

func (c *gatedConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("database: the SQLite driver's connection lacks the context methods")
	}
	return &gatedConn{conn: sc, gate: c.gate}, nil
}

func (c *gatedConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what the pure-Go SQLite driver's connections implement.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
}

// gatedConn holds the gate for the whole of a transaction (every one
// takes the write lock at BEGIN: _txlock=immediate) and for each write
// statement outside one.
type gatedConn struct {
	conn sqliteConn
	gate *writeGate
	inTx bool
}

// writes tells whether a statement may write: all but plain reads.
func writes(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return !(hasPrefixFold(q, "SELECT") || hasPrefixFold(q, "EXPLAIN"))
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// admit enters the gate for a statement that needs it and returns what
// lets it go.
func (c *gatedConn) admit(ctx context.Context, query string) (func(), error) {
	if c.inTx || !writes(query) {
		return func() {}, nil
	}
	if err := c.gate.enter(ctx); err != nil {
		return nil, err
	}
	return c.gate.leave, nil
}

// heldByRows hands the gate to the rows of a query that may write
// (INSERT ... RETURNING), which let it go when closed: SQLite holds the
// write lock that long. A query that failed lets it go at once.
func heldByRows(rows driver.Rows, err error, release func()) (driver.Rows, error) {
	if err != nil {
		release()
		return nil, err
	}
	return &gatedRows{Rows: rows, release: release}, nil
}

func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	release, err := c.admit(ctx, query)
	if err != nil {
		return nil, err
	}
	defer release()
	return c.conn.ExecContext(ctx, query, args)
}

func (c *gatedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	release, err := c.admit(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := c.conn.QueryContext(ctx, query, args)
	return heldByRows(rows, err, release)
}

// sqliteStmt is what the driver's prepared statements implement.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	ss, ok := st.(sqliteStmt)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("database: the SQLite driver's statement lacks the context methods")
	}
	return &gatedStmt{sqliteStmt: ss, conn: c, query: query}, nil
}

func (c *gatedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.gate.enter(ctx); err != nil {
		return nil, err
	}
	tx, err := c.conn.BeginTx(ctx, opts)
	if err != nil {
		c.gate.leave()
		return nil, err
	}
	c.inTx = true
	return &gatedTx{tx: tx, conn: c}, nil
}

func (c *gatedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *gatedConn) Ping(ctx context.Context) error { return c.conn.Ping(ctx) }

func (c *gatedConn) Close() error { return c.conn.Close() }

type gatedTx struct {
	tx   driver.Tx
	conn *gatedConn
}

func (t *gatedTx) end(err error) error {
	t.conn.inTx = false
	t.conn.gate.leave()
	return err
}

func (t *gatedTx) Commit() error   { return t.end(t.tx.Commit()) }
func (t *gatedTx) Rollback() error { return t.end(t.tx.Rollback()) }

type gatedStmt struct {
	sqliteStmt
	conn  *gatedConn
	query string
}

func (s *gatedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	release, err := s.conn.admit(ctx, s.query)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.sqliteStmt.ExecContext(ctx, args)
}

func (s *gatedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	release, err := s.conn.admit(ctx, s.query)
	if err != nil {
		return nil, err
	}
	rows, err := s.sqliteStmt.QueryContext(ctx, args)
	return heldByRows(rows, err, release)
}

// gatedRows lets the gate go once, at Close, and passes on the column
// types the driver reports (gorm reads them to scan).
type gatedRows struct {
	driver.Rows
	release func()
	closed  bool
}

func (r *gatedRows) Close() error {
	err := r.Rows.Close()
	if !r.closed {
		r.closed = true
		r.release()
	}
	return err
}

func (r *gatedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *gatedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *gatedRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *gatedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *gatedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
