package datasets

import (
	"net/http"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/labstack/echo/v4"
)

// Frozen versions: freeze one, list them, read one.

func (m *Module) freeze(c echo.Context) error {
	d, err := m.owned(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, created, err := m.store.freeze(ctx, d)
	if err != nil {
		return err
	}
	out := versionOf(v)
	if out.Labels, err = m.store.versionLabels(ctx, v.ID); err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, out)
}

func (m *Module) listVersions(c echo.Context) error {
	d, err := m.readable(c)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	pg := paging.Parse(c.QueryParams(), versionPaging, fields)
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	rows, total, err := m.store.versions(c.Request().Context(), d.ID, pg.Offset(), pg.Size)
	if err != nil {
		return err
	}
	items := make([]versionView, len(rows))
	for i, v := range rows {
		items[i] = versionOf(v)
	}
	return c.JSON(http.StatusOK, paging.Of(pg, items, total))
}

func (m *Module) getVersion(c echo.Context) error {
	d, err := m.readable(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, err := m.store.version(ctx, d.ID, c.Param("version"))
	if err != nil {
		return err
	}
	out := versionOf(v)
	if out.Labels, err = m.store.versionLabels(ctx, v.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
