package batch

import "time"

// Batch statuses. A batch is queued until a worker claims its first photo,
// running until every photo is done or failed, then completed (all
// classified), completed_with_errors (some failed), failed (none
// classified) or cancelled.
const (
	StatusQueued              = "queued"
	StatusRunning             = "running"
	StatusCompleted           = "completed"
	StatusCompletedWithErrors = "completed_with_errors"
	StatusFailed              = "failed"
	StatusCancelled           = "cancelled"
)

// Item statuses. queued and running items are still to do; done, failed
// and skipped (by a cancel) are final and never change again.
const (
	itemQueued  = "queued"
	itemRunning = "running"
	itemDone    = "done"
	itemFailed  = "failed"
	itemSkipped = "skipped"
)

// Webhook delivery states of a batch.
const (
	webhookNone      = "none"
	webhookPending   = "pending"
	webhookDelivered = "delivered"
	webhookFailed    = "failed"
)

var batchStatuses = []string{StatusQueued, StatusRunning, StatusCompleted, StatusCompletedWithErrors, StatusFailed, StatusCancelled}

// final reports whether a batch status is final.
func final(status string) bool {
	return status != StatusQueued && status != StatusRunning
}

// batchRow is one batch job.
type batchRow struct {
	ID     string `gorm:"primaryKey"`
	UserID string
	Name   string
	Status string
	TopK   int
	Total  int
	// ModelID pins the batch to the model version resolved at submit;
	// empty (batches from before pinning) follows the default.
	ModelID      string
	ModelName    string
	ModelVersion string
	// Grouped is set when some photos belong to groups: those are
	// classified with every label's probability kept.
	Grouped            bool
	StoredBytes        int64  // of the photos stored for it, given back to the quota on delete
	CallbackURL        string `gorm:"column:callback_url"`
	WebhookState       string
	WebhookAttempts    int
	WebhookNextAt      int64 // Unix ms
	WebhookError       string
	WebhookDeliveredAt *time.Time
	CreatedAt          time.Time
	StartedAt          *time.Time
	FinishedAt         *time.Time
}

func (batchRow) TableName() string { return "batches" }

// itemRow is one photo of a batch, with its result once classified. The
// claim, lease and task columns belong to the worker that holds it.
type itemRow struct {
	BatchID     string `gorm:"primaryKey"`
	Seq         int    `gorm:"primaryKey;autoIncrement:false"`
	Filename    string
	ImageSHA256 string `gorm:"column:image_sha256"`
	SizeBytes   int64
	Status      string
	Chunk       int
	TaskID      string
	EnqueuedAt  int64 // Unix ms
	Claim       string
	LeaseUntil  int64 // Unix ms
	Attempts    int
	Worker      string
	Label       string
	Confidence  float32
	Unknown     bool
	Predictions string // JSON []inference.Prediction
	// GroupName is the fish track or burst the photo belongs to; Scores
	// (JSON []inference.Prediction over every label) is kept for grouped
	// photos so the group's species can be summed.
	GroupName    string
	Scores       string
	ModelID      string
	ModelName    string
	ModelVersion string
	Width        int
	Height       int
	Format       string
	ErrorCode    string
	Error        string
	StartedAt    *time.Time
	FinishedAt   *time.Time
}

func (itemRow) TableName() string { return "batch_items" }

// secretRow is a user's own webhook signing secret.
type secretRow struct {
	UserID    string `gorm:"primaryKey"`
	Secret    string
	CreatedAt time.Time
}

func (secretRow) TableName() string { return "batch_webhook_secrets" }

// usage is what a user's batches hold, counted against the quotas.
type usage struct {
	Batches int
	Photos  int
	Bytes   int64
}

// unixMS is the millisecond timestamp the lease columns hold.
func unixMS(t time.Time) int64 { return t.UnixMilli() }
