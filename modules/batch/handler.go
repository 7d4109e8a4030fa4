package batch

import (
	"net/http"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
)

type page[T any] struct {
	Items    []T   `json:"items"`
	Page     int   `json:"page"`
	PageSize int   `json:"page_size"`
	Total    int64 `json:"total"`
}

// pagination reads page and page_size (default def, at most most).
func pagination(c echo.Context, fields map[string]string, def, most int) (pageNo, size int) {
	pageNo, size = 1, def
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			fields["page"] = "must be a positive integer"
		}
		pageNo = n
	}
	if v := c.QueryParam("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > most {
			fields["page_size"] = "must be an integer from 1 to " + strconv.Itoa(most)
		}
		size = n
	}
	return pageNo, size
}

// owned loads the batch in the path if it is the caller's.
func (m *Module) owned(c echo.Context) (batchRow, error) {
	caller, _ := principal.From(c.Request().Context())
	return m.store.own(c.Request().Context(), c.Param("id"), caller.ID)
}

func (m *Module) list(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	fields := map[string]string{}
	pageNo, size := pagination(c, fields, 20, 100)
	status := c.QueryParam("status")
	if status != "" && !slices.Contains(batchStatuses, status) {
		fields["status"] = "must be one of queued, running, completed, completed_with_errors, failed, cancelled"
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	rows, total, err := m.store.list(ctx, caller.ID, status, pageNo, size)
	if err != nil {
		return err
	}
	ids := make([]string, len(rows))
	for i, b := range rows {
		ids[i] = b.ID
	}
	cs, err := m.store.counts(ctx, ids...)
	if err != nil {
		return err
	}
	out := page[batchView]{Items: make([]batchView, 0, len(rows)), Page: pageNo, PageSize: size, Total: total}
	for _, b := range rows {
		out.Items = append(out.Items, m.view(b, cs[b.ID]))
	}
	return c.JSON(http.StatusOK, out)
}

func (m *Module) get(c echo.Context) error {
	b, err := m.owned(c)
	if err != nil {
		return err
	}
	d, err := m.detail(c, b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (m *Module) detail(c echo.Context, b batchRow) (batchDetail, error) {
	ctx := c.Request().Context()
	cs, err := m.store.counts(ctx, b.ID)
	if err != nil {
		return batchDetail{}, err
	}
	species, unknown, err := m.store.species(ctx, b.ID)
	if err != nil {
		return batchDetail{}, err
	}
	return batchDetail{batchView: m.view(b, cs[b.ID]), Species: species, Unknown: unknown}, nil
}

// cancel skips every photo not yet classified. Cancelling a cancelled
// batch answers the same; a batch that already ended is a conflict.
func (m *Module) cancel(c echo.Context) error {
	ctx := c.Request().Context()
	b, err := m.owned(c)
	if err != nil {
		return err
	}
	done, skipped, err := m.store.cancel(ctx, b.ID, time.Now().UTC())
	if err != nil {
		return err
	}
	if done {
		m.metrics.items.WithLabelValues(itemSkipped).Add(float64(skipped))
		m.ended(ctx, b.ID)
	}
	if b, err = m.store.get(ctx, b.ID); err != nil {
		return err
	}
	if b.Status != StatusCancelled {
		return apperr.New(apperr.Conflict, "batch_ended", "the batch already ended as "+b.Status)
	}
	d, err := m.detail(c, b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// remove deletes an ended batch with its results and stored photos.
func (m *Module) remove(c echo.Context) error {
	b, err := m.owned(c)
	if err != nil {
		return err
	}
	removed, err := m.store.remove(c.Request().Context(), b.ID)
	if err != nil {
		return err
	}
	if !removed {
		return apperr.New(apperr.Conflict, "batch_not_ended", "the batch is still "+b.Status+"; cancel it first")
	}
	// After the commit: a crash here leaves a folder with no batch,
	// which the reconciler sweeps.
	if err := os.RemoveAll(m.batchDir(b.ID)); err != nil {
		m.log.Warn("removing a deleted batch's photos", "batch", b.ID, "error", err)
	}
	return c.NoContent(http.StatusNoContent)
}
