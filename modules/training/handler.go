package training

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

var jobPaging = paging.Options{DefaultSize: 20, MaxSize: 100, Filters: []string{"status", "all"}}

var errVersionNotFound = apperr.New(apperr.NotFound, "dataset_version_not_found", "no dataset version with this id")

// Smallest data a job accepts: fewer photos cannot fill a validation
// split and a training batch.
const (
	minLabels = 2
	minPhotos = 8
)

// readable loads the job in the path if the caller may see it: their own,
// or any for an admin. Anyone else's is "not found", so ids cannot be
// probed.
func (m *Module) readable(c echo.Context) (jobRow, error) {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	j, err := m.store.get(ctx, c.Param("id"))
	if err != nil {
		return j, err
	}
	if j.UserID != caller.ID && !caller.IsAdmin() {
		return jobRow{}, errNotFound
	}
	return j, nil
}

func (m *Module) submit(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	if !caller.IsAdmin() && !m.cfg.AllowUsers {
		return apperr.New(apperr.Forbidden, "training_forbidden", "only admins train models (TRAINING_ALLOW_USERS lets users train on their own datasets)")
	}
	req, _, err := parseRequest(c, m.cfg.MaxEpochs)
	if err != nil {
		return err
	}
	v, err := m.deps.Datasets.Version(ctx, req.DatasetVersion)
	if err != nil {
		return err
	}
	if !caller.IsAdmin() && v.OwnerID != caller.ID {
		return errVersionNotFound
	}
	if len(v.Labels) < minLabels || len(v.Items) < minPhotos {
		return apperr.New(apperr.Invalid, "dataset_too_small",
			"a training job needs at least 2 labels and 8 photos; this version has "+
				strconv.Itoa(len(v.Labels))+" labels and "+strconv.Itoa(len(v.Items))+" photos")
	}
	if req.Base != defaultBase {
		// The worker reads it again; this answers a wrong id now, not
		// with a failed job later.
		if _, err := m.deps.Models.ModelFile(ctx, req.Base); err != nil {
			return err
		}
	}
	reqJSON, _ := json.Marshal(req)
	labels, _ := json.Marshal(v.Labels)
	now := time.Now().UTC()
	j := jobRow{
		ID: uuid.NewString(), UserID: caller.ID, DatasetVersion: v.ID, Status: StatusQueued,
		Request: string(reqJSON), Labels: string(labels), Epochs: req.Epochs, History: "[]", CreatedAt: now,
	}
	j.TaskID, j.EnqueuedAt = taskID(j.ID), unixMS(now)
	if err := m.store.create(ctx, &j); err != nil {
		return err
	}
	if err := m.enqueue(ctx, j.ID, j.TaskID); err != nil {
		// The job is saved: the reconciler enqueues it once Redis is back.
		m.log.Warn("enqueueing a training job; the reconciler will retry", "job", j.ID, "error", err)
	}
	c.Response().Header().Set(echo.HeaderLocation, m.cfg.APIPrefix+"/training-jobs/"+j.ID)
	return c.JSON(http.StatusAccepted, m.view(j, true))
}

func (m *Module) list(c echo.Context) error {
	ctx := c.Request().Context()
	caller, _ := principal.From(ctx)
	fields := map[string]string{}
	pg := paging.Parse(c.QueryParams(), jobPaging, fields)
	status := paging.OneOf(c.QueryParams(), "status", statuses, fields)
	// all=true lists every user's training jobs, for admins only.
	owner, err := principal.ListOwner(caller, c.QueryParam("all"), "training jobs", fields)
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
	items := make([]jobView, 0, len(rows))
	for _, j := range rows {
		items = append(items, m.view(j, false))
	}
	return c.JSON(http.StatusOK, paging.Of(pg, items, total))
}

func (m *Module) get(c echo.Context) error {
	j, err := m.readable(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m.view(j, true))
}

func (m *Module) report(c echo.Context) error {
	j, err := m.readable(c)
	if err != nil {
		return err
	}
	if j.Status != StatusCompleted {
		return apperr.New(apperr.Conflict, "training_not_completed", "the job has no report until it completes (status "+j.Status+")")
	}
	return c.JSON(http.StatusOK, reportAnswer{ID: j.ID, ModelID: j.ModelID, Report: json.RawMessage(j.Report), Card: j.Card})
}

func (m *Module) cancel(c echo.Context) error {
	ctx := c.Request().Context()
	j, err := m.readable(c)
	if err != nil {
		return err
	}
	ok, err := m.store.cancel(ctx, j.ID, time.Now().UTC())
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Conflict, "training_finished", "the job has already ended (status "+j.Status+")")
	}
	// The worker notices at its next lease renewal and stops.
	if j, err = m.store.get(ctx, j.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m.view(j, true))
}
