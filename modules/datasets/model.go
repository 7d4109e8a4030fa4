package datasets

import "time"

// Where an item came from.
const (
	sourceUpload   = "upload"
	sourceFeedback = "feedback"
)

// datasetRow is one dataset.
type datasetRow struct {
	ID          string `gorm:"primaryKey"`
	UserID      string
	Name        string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (datasetRow) TableName() string { return "datasets" }

// itemRow is one labelled photo of a dataset.
type itemRow struct {
	ID        string `gorm:"primaryKey"`
	DatasetID string
	UserID    string // the dataset's owner, for the quotas
	Filename  string
	SHA256    string `gorm:"column:sha256"`
	Label     string
	Group     string `gorm:"column:group_name"`
	SizeBytes int64
	Width     int
	Height    int
	Format    string
	Source    string
	SourceRef string
	CreatedAt time.Time
}

func (itemRow) TableName() string { return "dataset_items" }

// labelRow names a label of a dataset.
type labelRow struct {
	DatasetID      string `gorm:"primaryKey"`
	Name           string `gorm:"primaryKey"`
	ScientificName string
	CommonName     string
}

func (labelRow) TableName() string { return "dataset_labels" }

// versionRow is a frozen version.
type versionRow struct {
	ID        string `gorm:"primaryKey"`
	DatasetID string
	UserID    string
	Items     int
	Labels    int
	CreatedAt time.Time
}

func (versionRow) TableName() string { return "dataset_versions" }

// versionItemRow is one photo of a frozen version.
type versionItemRow struct {
	VersionID string `gorm:"primaryKey"`
	Label     string `gorm:"primaryKey"`
	SHA256    string `gorm:"column:sha256;primaryKey"`
	Group     string `gorm:"column:group_name"`
}

func (versionItemRow) TableName() string { return "dataset_version_items" }

// versionLabelRow names a label of a frozen version.
type versionLabelRow struct {
	VersionID      string `gorm:"primaryKey"`
	Name           string `gorm:"primaryKey"`
	ScientificName string
	CommonName     string
}

func (versionLabelRow) TableName() string { return "dataset_version_labels" }

// usage is what a user's datasets hold, counted against the quotas.
type usage struct {
	Datasets int
	Photos   int
	Bytes    int64
}
