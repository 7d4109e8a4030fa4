package batch

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

type queueView struct {
	Queue          string  `json:"queue"`
	Size           int     `json:"size"`
	Pending        int     `json:"pending"`
	Active         int     `json:"active"`
	Scheduled      int     `json:"scheduled"`
	Retry          int     `json:"retry"`
	Archived       int     `json:"archived"`
	Completed      int     `json:"completed"`
	ProcessedToday int     `json:"processed_today"`
	FailedToday    int     `json:"failed_today"`
	Paused         bool    `json:"paused"`
	LatencyMS      float64 `json:"latency_ms"`
}

func unavailable(err error) error {
	return apperr.Wrap(apperr.Unavailable, "queue_unavailable", "the queue (Redis) cannot be reached", err)
}

// queues reports every queue's depth per state and today's counts.
func (m *Module) queues(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
	defer cancel()
	infos, err := queueInfos(ctx, m.deps.Inspector)
	if err != nil {
		return unavailable(err)
	}
	out := make([]queueView, 0, len(infos))
	for _, q := range infos {
		out = append(out, queueView{Queue: q.Queue, Size: q.Size, Pending: q.Pending, Active: q.Active,
			Scheduled: q.Scheduled, Retry: q.Retry, Archived: q.Archived, Completed: q.Completed,
			ProcessedToday: q.Processed, FailedToday: q.Failed, Paused: q.Paused,
			LatencyMS: float64(q.Latency.Microseconds()) / 1000})
	}
	return c.JSON(http.StatusOK, map[string]any{"queues": out})
}

// runArchived moves a queue's archived tasks (those that used up their
// retries) back to pending.
func (m *Module) runArchived(c echo.Context) error {
	queue := c.Param("queue")
	names, err := m.deps.Inspector.Queues()
	if err != nil {
		return unavailable(err)
	}
	if !slices.Contains(names, queue) {
		return apperr.New(apperr.NotFound, "queue_not_found", "no queue named "+queue)
	}
	n, err := m.deps.Inspector.RunAllArchivedTasks(queue)
	if err != nil {
		return unavailable(err)
	}
	m.log.Info("archived tasks sent back to the queue", "queue", queue, "tasks", n)
	return c.JSON(http.StatusOK, map[string]any{"queue": queue, "moved": n})
}
