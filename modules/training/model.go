package training

import (
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
)

// Job statuses. queued and running are the only ones that change again.
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

var statuses = []string{StatusQueued, StatusRunning, StatusCompleted, StatusFailed, StatusCancelled}

var errNotFound = apperr.New(apperr.NotFound, "training_job_not_found", "no training job with this id")

// jobRow is one training job.
type jobRow struct {
	ID             string `gorm:"primaryKey"`
	UserID         string
	DatasetVersion string
	Status         string
	Request        string // the normalised request, JSON
	Labels         string // the version's labels at submit, JSON
	TaskID         string
	EnqueuedAt     int64 // Unix ms
	Claim          string
	LeaseUntil     int64 // Unix ms
	Attempts       int
	Worker         string
	Epoch          int
	Epochs         int
	Loss           float64
	ValAccuracy    float64
	ValMacroF1     float64 `gorm:"column:val_macro_f1"`
	ImagesPerSec   float64
	EtaSeconds     float64
	RefitEpoch     int    // epochs of the refit pass done
	RefitEpochs    int    // the refit pass's length once it started, else 0
	History        string // []epochView, JSON
	Report         string // reportView, JSON, once completed
	Card           string // model card, markdown, once completed
	ModelID        string
	ErrorCode      string
	LastError      string
	CreatedAt      time.Time
	StartedAt      *time.Time
	FinishedAt     *time.Time
}

func (jobRow) TableName() string { return "training_jobs" }

func final(status string) bool { return status != StatusQueued && status != StatusRunning }

func unixMS(t time.Time) int64 { return t.UnixMilli() }
