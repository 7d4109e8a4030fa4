package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// Page sizes of the listings.
var (
	datasetPaging = paging.Options{DefaultSize: 20, MaxSize: 100, Filters: []string{"all"}}
	itemPaging    = paging.Options{DefaultSize: 100, MaxSize: 1000, Filters: []string{"label"}}
	versionPaging = paging.Options{DefaultSize: 20, MaxSize: 100, Filters: []string{}}
)

const (
	maxNameLen        = 200
	maxDescriptionLen = 2000
	maxJSONBody       = 16 << 10
)

// owned loads the dataset in the path if it is the caller's: the
// datasets a caller may change. An admin reading another user's dataset
// may not change it (403); to anyone else it does not exist (404), so
// ids cannot be probed.
func (m *Module) owned(c echo.Context) (datasetRow, error) {
	caller, _ := principal.From(c.Request().Context())
	d, err := m.store.get(c.Request().Context(), c.Param("id"))
	if err != nil || d.UserID == caller.ID {
		return d, err
	}
	if caller.IsAdmin() {
		return datasetRow{}, apperr.New(apperr.Forbidden, "not_owner", "admins read every dataset but change only their own")
	}
	return datasetRow{}, errNotFound
}

// readable loads the dataset in the path if the caller may read it:
// their own, or any for an admin.
func (m *Module) readable(c echo.Context) (datasetRow, error) {
	caller, _ := principal.From(c.Request().Context())
	d, err := m.store.get(c.Request().Context(), c.Param("id"))
	if err == nil && d.UserID != caller.ID && !caller.IsAdmin() {
		return datasetRow{}, errNotFound
	}
	return d, err
}

// decodeJSON reads a small JSON object body, refusing unknown fields so
// a misspelt one is not silently ignored.
func decodeJSON(c echo.Context, dst any) error {
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != echo.MIMEApplicationJSON {
		return apperr.New(apperr.Unsupported, "unsupported_media_type", "send Content-Type: application/json")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxJSONBody+1))
	if err != nil {
		return apperr.Wrap(apperr.BadRequest, "bad_body", "the body was cut short", err)
	}
	if len(body) > maxJSONBody {
		return apperr.New(apperr.TooLarge, "body_too_large", "the request body is too large")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return apperr.Validation(map[string]string{te.Field: "has the wrong type"})
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return apperr.Validation(map[string]string{strings.Trim(f, `"`): "is not a field of this request"})
		}
		return apperr.Wrap(apperr.BadRequest, "invalid_json", "the body is not a valid JSON object", err)
	}
	return nil
}

func (m *Module) create(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	var req struct {
		Name        *string `json:"name"`
		Description string  `json:"description"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	name := ""
	if req.Name != nil {
		name = strings.TrimSpace(*req.Name)
	}
	switch {
	case name == "":
		fields["name"] = "is required"
	case utf8.RuneCountInString(name) > maxNameLen || !printable(name):
		fields["name"] = "must be printable and at most 200 characters"
	}
	if utf8.RuneCountInString(req.Description) > maxDescriptionLen || !utf8.ValidString(req.Description) {
		fields["description"] = "must be UTF-8 and at most 2000 characters"
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	now := nowUTC()
	d := datasetRow{ID: uuid.Must(uuid.NewV7()).String(), UserID: caller.ID, Name: name, Description: req.Description, CreatedAt: now, UpdatedAt: now}
	if err := m.store.create(ctx, d, m.quota()); err != nil {
		return err
	}
	v, err := m.view(ctx, d)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, c.Request().URL.Path+"/"+d.ID)
	return c.JSON(http.StatusCreated, v)
}

func (m *Module) list(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	fields := map[string]string{}
	pg := paging.Parse(c.QueryParams(), datasetPaging, fields)
	// all=true lists every user's datasets, for admins only.
	owner, err := principal.ListOwner(caller, c.QueryParam("all"), "datasets", fields)
	if err != nil {
		return err
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	rows, total, err := m.store.list(ctx, owner, pg)
	if err != nil {
		return err
	}
	items := make([]datasetView, 0, len(rows))
	for _, d := range rows {
		v, err := m.view(ctx, d)
		if err != nil {
			return err
		}
		items = append(items, v)
	}
	return c.JSON(http.StatusOK, paging.Of(pg, items, total))
}

func (m *Module) get(c echo.Context) error {
	d, err := m.readable(c)
	if err != nil {
		return err
	}
	v, err := m.view(c.Request().Context(), d)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (m *Module) remove(c echo.Context) error {
	d, err := m.owned(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := m.notInTraining(ctx, d.ID); err != nil {
		return err
	}
	shas, err := m.store.remove(ctx, d.ID)
	if err != nil {
		return err
	}
	m.collect(ctx, shas)
	return c.NoContent(http.StatusNoContent)
}

func (m *Module) addItems(c echo.Context) error {
	d, err := m.owned(c)
	if err != nil {
		return err
	}
	u := &upload{cfg: m.cfg}
	if err := u.read(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	res, err := m.ingest(ctx, d, u)
	if err != nil {
		return err
	}
	return m.answerAdded(c, d, res, nil)
}

func (m *Module) fromFeedback(c echo.Context) error {
	d, err := m.owned(c)
	if err != nil {
		return err
	}
	res, err := m.fromField(c.Request().Context(), d)
	if err != nil {
		return err
	}
	return m.answerAdded(c, d, res.addResult, &res.Unavailable)
}

// answerAdded says what an upload added, with the dataset as it is now.
func (m *Module) answerAdded(c echo.Context, d datasetRow, res addResult, unavailable *int) error {
	v, err := m.view(c.Request().Context(), d)
	if err != nil {
		return err
	}
	body := map[string]any{"added": res.Added, "duplicates": res.Duplicates, "dataset": v}
	if unavailable != nil {
		body["unavailable"] = *unavailable
	}
	return c.JSON(http.StatusCreated, body)
}
