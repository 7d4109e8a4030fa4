package training

import (
	"encoding/json"
	"time"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/training"
)

// epochView is one epoch of a job's curves.
type epochView struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	ValLoss      float64 `json:"val_loss"`
	ValAccuracy  float64 `json:"val_accuracy"`
	ValMacroF1   float64 `json:"val_macro_f1"`
	ImagesPerSec float64 `json:"images_per_sec"`
	Seconds      float64 `json:"seconds"`
}

func epochOf(e training.EpochStats) epochView {
	return epochView{
		Epoch: e.Epoch, TrainLoss: e.TrainLoss, ValLoss: e.ValLoss, ValAccuracy: e.ValAccuracy,
		ValMacroF1: e.ValMacroF1, ImagesPerSec: e.ImagesPerSec, Seconds: e.Seconds,
	}
}

// progressView is where a job stands.
type progressView struct {
	Epoch        int     `json:"epoch"`
	Epochs       int     `json:"epochs"`
	Loss         float64 `json:"loss"`
	ValAccuracy  float64 `json:"val_accuracy"`
	ValMacroF1   float64 `json:"val_macro_f1"`
	ImagesPerSec float64 `json:"images_per_sec"`
	ETASeconds   float64 `json:"eta_seconds"`
	// The refit pass, once the held-out epochs are done: RefitEpochs is
	// its length (the epochs the held-out run ran), 0 until it starts or
	// without refit.
	RefitEpoch  int `json:"refit_epoch"`
	RefitEpochs int `json:"refit_epochs"`
}

// jobView is a job as the API answers it.
type jobView struct {
	ID             string       `json:"id"`
	Status         string       `json:"status"`
	DatasetVersion string       `json:"dataset_version"`
	Owner          string       `json:"owner"`
	Request        *jobRequest  `json:"request,omitempty"`
	Progress       progressView `json:"progress"`
	Attempts       int          `json:"attempts"`
	ModelID        string       `json:"model_id,omitempty"`
	ErrorCode      string       `json:"error_code,omitempty"`
	LastError      string       `json:"last_error,omitempty"`
	CreatedAt      time.Time    `json:"created_at"`
	StartedAt      *time.Time   `json:"started_at,omitempty"`
	FinishedAt     *time.Time   `json:"finished_at,omitempty"`
	Links          links        `json:"links"`
	// History is the per-epoch curves, in the detail only.
	History []epochView `json:"history,omitempty"`
}

type links struct {
	Self      string `json:"self"`
	Events    string `json:"events"`
	Report    string `json:"report"`
	Curves    string `json:"curves"`
	Confusion string `json:"confusion"`
	Cancel    string `json:"cancel"`
}

func (m *Module) view(j jobRow, detail bool) jobView {
	self := m.cfg.APIPrefix + "/training-jobs/" + j.ID
	v := jobView{
		ID: j.ID, Status: j.Status, DatasetVersion: j.DatasetVersion, Owner: j.UserID,
		Progress: progressView{
			Epoch: j.Epoch, Epochs: j.Epochs, Loss: j.Loss, ValAccuracy: j.ValAccuracy, ValMacroF1: j.ValMacroF1,
			ImagesPerSec: j.ImagesPerSec, ETASeconds: j.EtaSeconds, RefitEpoch: j.RefitEpoch, RefitEpochs: j.RefitEpochs,
		},
		Attempts: j.Attempts, ModelID: j.ModelID, ErrorCode: j.ErrorCode, LastError: j.LastError,
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt,
		Links: links{Self: self, Events: self + "/events", Report: self + "/report", Curves: self + "/curves.png",
			Confusion: self + "/confusion.png", Cancel: self + "/cancel"},
	}
	if detail {
		var req jobRequest
		if json.Unmarshal([]byte(j.Request), &req) == nil {
			v.Request = &req
		}
		_ = json.Unmarshal([]byte(j.History), &v.History)
	}
	return v
}

// reportView is a completed job's evaluation: the best epoch's validation
// scores, per class, and its confusion matrix (rows: true label).
type reportView struct {
	BestEpoch int                      `json:"best_epoch"`
	Threshold float32                  `json:"unknown_threshold"`
	Labels    []string                 `json:"labels"`
	Accuracy  float64                  `json:"accuracy"`
	MacroF1   float64                  `json:"macro_f1"`
	Total     int                      `json:"total"`
	PerClass  []modelfile.ClassMetrics `json:"per_class"`
	Confusion [][]int                  `json:"confusion"`
	History   []epochView              `json:"history"`
}

func reportOf(res *training.Result) reportView {
	r := reportView{
		BestEpoch: res.BestEpoch, Threshold: res.Threshold, Labels: res.Validation.Labels,
		Accuracy: res.Validation.Accuracy, MacroF1: res.Validation.MacroF1, Total: res.Validation.Total,
		PerClass: res.Validation.PerClass, Confusion: res.Validation.Confusion,
	}
	for _, e := range res.History {
		r.History = append(r.History, epochOf(e))
	}
	return r
}

// reportAnswer is GET /training-jobs/{id}/report.
type reportAnswer struct {
	ID      string          `json:"id"`
	ModelID string          `json:"model_id"`
	Report  json.RawMessage `json:"report"`
	Card    string          `json:"model_card"`
}
