package database

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// The SQL log still says what failed and what was slow, and renders
// nothing for the statements it does not log.
func TestSQLLogRendersOnlyWhatItLogs(t *testing.T) {
	var out bytes.Buffer
	l := newLogger(slog.New(slog.NewTextHandler(&out, nil)))
	rendered := 0
	stmt := func(sql string) func() (string, int64) {
		return func() (string, int64) { rendered++; return sql, 1 }
	}
	ctx := context.Background()
	now := time.Now()

	l.Trace(ctx, now, stmt("INSERT fast"), nil)
	l.Trace(ctx, now, stmt("SELECT missing"), gorm.ErrRecordNotFound)
	if rendered != 0 || out.Len() != 0 {
		t.Fatalf("a fast statement and a missing row rendered %d statements and logged %q", rendered, out.String())
	}
	l.Trace(ctx, now, stmt("INSERT broken"), errors.New("duplicate key"))
	l.Trace(ctx, now.Add(-time.Second), stmt("SELECT slow"), nil)
	for _, want := range []string{"INSERT broken", "duplicate key", "SELECT slow"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	l.LogMode(logger.Info).Trace(ctx, now, stmt("SELECT traced"), nil)
	if !strings.Contains(out.String(), "SELECT traced") {
		t.Errorf("at Info every statement is logged; got %q", out.String())
	}
	out.Reset()
	l.LogMode(logger.Silent).Trace(ctx, now, stmt("INSERT silenced"), errors.New("boom"))
	if out.Len() != 0 {
		t.Errorf("Silent logged %q", out.String())
	}
}
