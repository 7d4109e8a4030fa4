package training

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference/evaluation"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// curves answers GET /training-jobs/{id}/curves.png: loss, validation
// accuracy and macro-F1 per epoch, for a running job as soon as one epoch
// is validated as well as for an ended one.
func (m *Module) curves(c echo.Context) error {
	j, err := m.readable(c)
	if err != nil {
		return err
	}
	var history []epochView
	_ = json.Unmarshal([]byte(j.History), &history)
	if len(history) == 0 {
		return apperr.New(apperr.Conflict, "training_no_epochs", "the job has no validated epoch to plot yet (status "+j.Status+")")
	}
	epochs := make([]modelfile.Epoch, len(history))
	for i, e := range history {
		epochs[i] = modelfile.Epoch{Epoch: e.Epoch, TrainLoss: e.TrainLoss, ValLoss: e.ValLoss,
			ValAccuracy: e.ValAccuracy, ValMacroF1: e.ValMacroF1, Seconds: e.Seconds}
	}
	var buf bytes.Buffer
	if err := evaluation.PlotCurves(&buf, epochs); err != nil {
		return err
	}
	// A running job's curves grow with every epoch.
	return pngAnswer(c, buf.Bytes(), j.Status == StatusCompleted)
}

// confusion answers GET /training-jobs/{id}/confusion.png: the kept
// epoch's validation confusion matrix, once the job completed.
func (m *Module) confusion(c echo.Context) error {
	j, err := m.readable(c)
	if err != nil {
		return err
	}
	if j.Status != StatusCompleted {
		return apperr.New(apperr.Conflict, "training_not_completed", "the job has no confusion matrix until it completes (status "+j.Status+")")
	}
	var rep reportView
	if err := json.Unmarshal([]byte(j.Report), &rep); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := evaluation.PlotConfusion(&buf, &evaluation.Result{Labels: rep.Labels, Confusion: rep.Confusion}); err != nil {
		return err
	}
	return pngAnswer(c, buf.Bytes(), true)
}

// pngAnswer sends a plot. A completed job's plots never change, so the
// caller's browser may keep them; they stay private to who may read the
// job.
func pngAnswer(c echo.Context, data []byte, final bool) error {
	cache := "private, no-cache"
	if final {
		cache = "private, max-age=86400, immutable"
	}
	c.Response().Header().Set("Cache-Control", cache)
	return c.Blob(http.StatusOK, "image/png", data)
}
