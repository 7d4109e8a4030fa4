package app

import (
	"io"
	"log/slog"

	"github.com/aquaml/aquaml/platform/config"
)

// NewLogger logs JSON in production (for log shippers) and text elsewhere
// (for people).
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler
	if cfg.IsProduction() {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h).With("service", cfg.ProjectName)
}
