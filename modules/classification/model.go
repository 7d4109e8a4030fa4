package classification

import (
	"time"
)

// modelRecord is a registered model: its file, what it predicts, whether
// every process serves it (Ready) and whether it is the deployment's
// default (IsActive, always ready too).
type modelRecord struct {
	ID               string `gorm:"primaryKey"`
	Name             string
	Version          string
	Checksum         string
	Source           string // bundled, path or upload
	FileName         string // under the model directory; empty for bundled
	SizeBytes        int64
	InputSize        int // the input's height (a square's side)
	InputWidth       int
	Labels           string // JSON []modelfile.Label
	Metrics          string // JSON modelfile.Metrics
	Card             string // Markdown model card
	UnknownThreshold float32
	IsActive         bool
	Ready            bool
	// MemoryBytes is what serving the model costs in each process
	// (weights and graphs at the batch sizes it serves), as estimated
	// before it was first loaded.
	MemoryBytes int64
	UploadedBy  *string
	CreatedAt   time.Time
	ActivatedAt *time.Time
	// DeletedAt marks a deleted model: its file is gone, its row stays so
	// history and batch results still name it.
	DeletedAt *time.Time
}

func (modelRecord) TableName() string { return "models" }

// Model sources.
const (
	sourceBundled = "bundled"
	sourcePath    = "path"
	sourceUpload  = "upload"
)

// prediction is one stored classification.
type prediction struct {
	ID           string `gorm:"primaryKey"`
	UserID       string
	ModelID      string
	ModelVersion string
	ImageSHA256  string `gorm:"column:image_sha256"`
	ImageBytes   int64
	ImageWidth   int
	ImageHeight  int
	ImageFormat  string
	TopK         string // JSON []inference.Prediction
	Label        string
	Confidence   float32
	Unknown      bool
	Cached       bool
	LatencyMS    float64 `gorm:"column:latency_ms"`
	CreatedAt    time.Time
	ModelName    string
}

func (prediction) TableName() string { return "predictions" }

// feedback is a user's correction of one prediction.
type feedback struct {
	PredictionID string `gorm:"primaryKey"`
	UserID       string
	CorrectLabel string
	Note         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (feedback) TableName() string { return "prediction_feedback" }
