package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// gatedTestDB opens a SQLite file through the gate with SQLite's own busy
// timeout at zero, so any two of this process's writers that reached
// SQLite at once would fail with SQLITE_BUSY instead of sleeping.
func gatedTestDB(t *testing.T, wait time.Duration) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gate.db")
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(0)&_txlock=immediate"
	db, err := openGatedSQLite(dsn, wait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(4)
	if _, err := db.Exec(`CREATE TABLE rows_written (id INTEGER PRIMARY KEY, who TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestWriteGateQueuesThisProcesssWriters(t *testing.T) {
	db := gatedTestDB(t, 10*time.Second)
	const writers, each = 8, 30
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				who := fmt.Sprintf("w%d-%d", w, i)
				var err error
				switch i % 3 {
				case 0:
					_, err = db.Exec(`INSERT INTO rows_written (who) VALUES (?)`, who)
				case 1: // what gorm's Create sends: the write comes back as rows
					var id int64
					err = db.QueryRow(`INSERT INTO rows_written (who) VALUES (?) RETURNING id`, who).Scan(&id)
				default:
					err = inTx(db, func(tx *sql.Tx) error {
						if _, err := tx.Exec(`INSERT INTO rows_written (who) VALUES (?)`, who); err != nil {
							return err
						}
						_, err := tx.Exec(`UPDATE rows_written SET who = who || '.' WHERE who = ?`, who)
						return err
					})
				}
				if err != nil {
					errs <- err
				}
				var n int // readers run beside the writers
				if err := db.QueryRow(`SELECT count(*) FROM rows_written`).Scan(&n); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a write failed (the gate let two in at once): %v", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM rows_written`).Scan(&n); err != nil || n != writers*each {
		t.Fatalf("%d rows (%v), want %d", n, err, writers*each)
	}
}

func TestWriteGateWaitIsBoundedAndReadersPass(t *testing.T) {
	db := gatedTestDB(t, 100*time.Millisecond)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO rows_written (who) VALUES ('held')`); err != nil {
		t.Fatal(err)
	}

	var n int
	if err := db.QueryRow(`SELECT count(*) FROM rows_written`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a reader beside an open write: %d rows, %v (want 0, no error)", n, err)
	}
	if _, err := db.Exec(`INSERT INTO rows_written (who) VALUES ('late')`); !errors.Is(err, errWriteWait) {
		t.Fatalf("a writer behind a write held too long: %v, want %v", err, errWriteWait)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.ExecContext(cancelled, `INSERT INTO rows_written (who) VALUES ('gone')`); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled writer: %v, want context.Canceled", err)
	}

	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO rows_written (who) VALUES ('after')`); err != nil {
		t.Fatalf("a writer after the commit: %v", err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM rows_written`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d rows (%v), want the held one and the one after", n, err)
	}
}

// A write answered with rows holds SQLite's write lock until the rows are
// closed, and so holds the gate as long; a rolled-back transaction lets go.
func TestWriteGateHeldUntilReturningRowsClose(t *testing.T) {
	db := gatedTestDB(t, 100*time.Millisecond)
	rows, err := db.Query(`INSERT INTO rows_written (who) VALUES ('a'), ('b') RETURNING id`)
	if err != nil {
		t.Fatal(err)
	}
	rows.Next() // one of two rows read: the statement is still running
	if _, err := db.Exec(`INSERT INTO rows_written (who) VALUES ('c')`); !errors.Is(err, errWriteWait) {
		t.Fatalf("a writer while RETURNING rows are open: %v, want %v", err, errWriteWait)
	}
	rows.Close()

	if err := inTx(db, func(tx *sql.Tx) error { return errors.New("roll back") }); err == nil {
		t.Fatal("the transaction did not fail")
	}
	if _, err := db.Exec(`INSERT INTO rows_written (who) VALUES ('d')`); err != nil {
		t.Fatalf("a writer after the rows closed and a rollback: %v", err)
	}
}

func inTx(db *sql.DB, f func(*sql.Tx) error) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
