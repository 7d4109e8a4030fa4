package datasets

import (
	"net/http"
	"strings"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/labstack/echo/v4"
)

// The photos of a dataset: listed, relabelled, removed.

func (m *Module) listItems(c echo.Context) error {
	d, err := m.readable(c)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	pg := paging.Parse(c.QueryParams(), itemPaging, fields)
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	rows, total, err := m.store.items(c.Request().Context(), d.ID, c.QueryParam("label"), pg)
	if err != nil {
		return err
	}
	items := make([]itemView, len(rows))
	for i, it := range rows {
		items[i] = itemOf(it)
	}
	return c.JSON(http.StatusOK, paging.Of(pg, items, total))
}

func (m *Module) updateItem(c echo.Context) error {
	d, err := m.owned(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	it, err := m.store.item(ctx, d.ID, c.Param("item"))
	if err != nil {
		return err
	}
	var req struct {
		Label *string `json:"label"`
		Group *string `json:"group"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	if req.Label == nil && req.Group == nil {
		return apperr.Validation(map[string]string{"label": "give a label or a group to change"})
	}
	if req.Label != nil {
		if err := checkLabel(*req.Label); err != nil {
			fields["label"] = err.Error()
		}
		it.Label = *req.Label
	}
	if req.Group != nil {
		if err := checkGroup(*req.Group); err != nil {
			fields["group"] = err.Error()
		}
		it.Group = strings.TrimSpace(*req.Group)
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	if err := m.store.updateItem(ctx, it); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, itemOf(it))
}

func (m *Module) removeItem(c echo.Context) error {
	d, err := m.owned(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	it, err := m.store.item(ctx, d.ID, c.Param("item"))
	if err != nil {
		return err
	}
	if err := m.store.removeItem(ctx, it); err != nil {
		return err
	}
	m.collect(ctx, []string{it.SHA256})
	return c.NoContent(http.StatusNoContent)
}
