package batch

import (
	"net/http"
	"slices"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

var itemStatuses = []string{itemQueued, itemRunning, itemDone, itemFailed, itemSkipped}

// results returns one page of per-photo results as JSON, or with
// ?format=csv every photo as one CSV row, streamed.
func (m *Module) results(c echo.Context) error {
	b, err := m.owned(c)
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
	pageNo, size := pagination(c, fields, 100, 1000)
	status := c.QueryParam("status")
	if status != "" && !slices.Contains(itemStatuses, status) {
		fields["status"] = "must be one of queued, running, done, failed, skipped"
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	total, err := m.store.countItems(ctx, b.ID, status)
	if err != nil {
		return err
	}
	rows, err := m.store.itemPage(ctx, b.ID, status, (pageNo-1)*size, size)
	if err != nil {
		return err
	}
	out := struct {
		BatchID string `json:"batch_id"`
		Status  string `json:"status"`
		page[itemView]
	}{BatchID: b.ID, Status: b.Status, page: page[itemView]{Items: make([]itemView, 0, len(rows)), Page: pageNo, PageSize: size, Total: total}}
	for _, it := range rows {
		out.Items = append(out.Items, viewItem(it))
	}
	return c.JSON(http.StatusOK, out)
}
