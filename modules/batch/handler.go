package batch

import (
	"net/http"
	"os"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
)

// Page sizes of the batch listing and of a batch's results.
var (
	batchPaging  = paging.Options{DefaultSize: 20, MaxSize: 100, Filters: []string{"status", "all"}}
	resultPaging = paging.Options{DefaultSize: 100, MaxSize: 1000, Filters: []string{"status", "format"}}
)

// owned loads the batch in the path if it is the caller's: the batches a
// caller may change. Anyone else's is "not found", so ids cannot be probed.
func (m *Module) owned(c echo.Context) (batchRow, error) {
	caller, _ := principal.From(c.Request().Context())
	return m.store.own(c.Request().Context(), c.Param("id"), caller.ID)
}

// readable loads the batch in the path if the caller may read it: their
// own, or any for an admin (who reads but does not cancel or delete
// another user's batch).
func (m *Module) readable(c echo.Context) (batchRow, error) {
	caller, _ := principal.From(c.Request().Context())
	if caller.IsAdmin() {
		return m.store.get(c.Request().Context(), c.Param("id"))
	}
	return m.owned(c)
}

func (m *Module) list(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	fields := map[string]string{}
	pg := paging.Parse(c.QueryParams(), batchPaging, fields)
	status := paging.OneOf(c.QueryParams(), "status", batchStatuses, fields)
	// all=true lists every user's batches, for admins only.
	owner, err := principal.ListOwner(caller, c.QueryParam("all"), "batches", fields)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	rows, total, err := m.store.list(ctx, owner, status, pg)
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
	items := make([]batchView, 0, len(rows))
	for _, b := range rows {
		items = append(items, m.view(b, cs[b.ID]))
	}
	return c.JSON(http.StatusOK, paging.Of(pg, items, total))
}

func (m *Module) get(c echo.Context) error {
	b, err := m.readable(c)
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
		m.announceEnd(ctx, b.ID)
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
