package batch

import (
	"encoding/json"
	"time"

	"github.com/aquaml/aquaml/platform/inference"
)

type links struct {
	Self       string `json:"self"`
	Results    string `json:"results"`
	ResultsCSV string `json:"results_csv"`
	Events     string `json:"events"`
	Cancel     string `json:"cancel"`
}

type webhookView struct {
	State       string     `json:"state"` // pending, delivered or failed
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// batchView is a batch with its progress, as lists and events show it.
type batchView struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	TopK   int    `json:"top_k"`
	// Model is the version every photo is classified with; null for
	// batches from before pinning, which follow the default.
	Model       *inference.ModelRef `json:"model"`
	Total       int                 `json:"total"`
	Done        int                 `json:"done"`
	Failed      int                 `json:"failed"`
	Skipped     int                 `json:"skipped"`
	Pending     int                 `json:"pending"`
	Progress    float64             `json:"progress"`
	CallbackURL string              `json:"callback_url,omitempty"`
	Webhook     *webhookView        `json:"webhook,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
	StartedAt   *time.Time          `json:"started_at"`
	FinishedAt  *time.Time          `json:"finished_at"`
	Links       links               `json:"links"`
	// Notice tells the client something it should know about the batch
	// now, such as waiting for the queue at submit.
	Notice string `json:"notice,omitempty"`
}

// batchDetail adds the counts per species (top-1 label of each classified
// photo) and how many were flagged unknown.
type batchDetail struct {
	batchView
	Species map[string]int `json:"species"`
	Unknown int            `json:"unknown"`
}

func (m *Module) view(b batchRow, c counts) batchView {
	self := m.cfg.APIPrefix + "/batches/" + b.ID
	v := batchView{
		ID: b.ID, Name: b.Name, Status: b.Status, TopK: b.TopK, Total: b.Total,
		Done: c.Done, Failed: c.Failed, Skipped: c.Skipped, Pending: c.pending(),
		CallbackURL: b.CallbackURL, CreatedAt: b.CreatedAt, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt,
		Links: links{Self: self, Results: self + "/results", ResultsCSV: self + "/results?format=csv",
			Events: self + "/events", Cancel: self + "/cancel"},
	}
	if b.ModelID != "" {
		v.Model = &inference.ModelRef{ID: b.ModelID, Name: b.ModelName, Version: b.ModelVersion}
	}
	if b.Total > 0 {
		v.Progress = float64(c.processed()+c.Skipped) / float64(b.Total)
	}
	if b.WebhookState != webhookNone && b.WebhookState != "" {
		v.Webhook = &webhookView{State: b.WebhookState, Attempts: b.WebhookAttempts, LastError: b.WebhookError,
			DeliveredAt: b.WebhookDeliveredAt}
	}
	return v
}

type imageView struct {
	SHA256    string `json:"sha256,omitempty"`
	SizeBytes int64  `json:"size_bytes"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Format    string `json:"format,omitempty"`
}

type errorView struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// itemView is one photo's result.
type itemView struct {
	Index       int                    `json:"index"`
	Filename    string                 `json:"filename"`
	Group       string                 `json:"group,omitempty"`
	Status      string                 `json:"status"`
	Image       imageView              `json:"image"`
	Label       string                 `json:"label,omitempty"`
	Confidence  *float32               `json:"confidence,omitempty"`
	Unknown     *bool                  `json:"unknown,omitempty"`
	Predictions []inference.Prediction `json:"predictions,omitempty"`
	Model       *inference.ModelRef    `json:"model,omitempty"`
	Error       *errorView             `json:"error,omitempty"`
	FinishedAt  *time.Time             `json:"finished_at,omitempty"`
}

func viewItem(it itemRow) itemView {
	v := itemView{
		Index: it.Seq, Filename: it.Filename, Group: it.GroupName, Status: it.Status, FinishedAt: it.FinishedAt,
		Image: imageView{SHA256: it.ImageSHA256, SizeBytes: it.SizeBytes, Width: it.Width, Height: it.Height, Format: it.Format},
	}
	switch it.Status {
	case itemDone:
		conf, unknown := it.Confidence, it.Unknown
		v.Label, v.Confidence, v.Unknown = it.Label, &conf, &unknown
		_ = json.Unmarshal([]byte(it.Predictions), &v.Predictions)
		v.Model = &inference.ModelRef{ID: it.ModelID, Name: it.ModelName, Version: it.ModelVersion}
	case itemFailed, itemSkipped:
		v.Error = &errorView{Code: it.ErrorCode, Message: it.Error}
	}
	return v
}
