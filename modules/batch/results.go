package batch

import (
	"net/http"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/labstack/echo/v4"
)

var itemStatuses = []string{itemQueued, itemRunning, itemDone, itemFailed, itemSkipped}

// results returns one page of per-photo results as JSON, or with
// ?format=csv every photo as one CSV row, streamed.
func (m *Module) results(c echo.Context) error {
	b, err := m.readable(c)
	if err != nil {
		return err
	}
	switch c.QueryParam("format") {
	case "csv":
		return m.resultsCSV(c, b)
	case "", "json":
	default:
		return apperr.Validation(map[string]string{"format": "must be json or csv"})
	}
	ctx := c.Request().Context()
	fields := map[string]string{}
	pg := paging.Parse(c.QueryParams(), resultPaging, fields)
	status := paging.OneOf(c.QueryParams(), "status", itemStatuses, fields)
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	total, err := m.store.countItems(ctx, b.ID, status)
	if err != nil {
		return err
	}
	rows, err := m.store.itemPage(ctx, b.ID, status, pg)
	if err != nil {
		return err
	}
	items := make([]itemView, 0, len(rows))
	for _, it := range rows {
		items = append(items, viewItem(it))
	}
	return c.JSON(http.StatusOK, struct {
		BatchID string `json:"batch_id"`
		Status  string `json:"status"`
		paging.Page[itemView]
	}{BatchID: b.ID, Status: b.Status, Page: paging.Of(pg, items, total)})
}
