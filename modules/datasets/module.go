// Package datasets keeps the labelled photos a user gathers to teach the
// service their own species: uploaded as zip archives of folders (folder
// name = label), as labelled files, as a zip plus a CSV, or taken from
// the predictions users corrected. Photos are content-addressed and
// stored once. A dataset is frozen into immutable versions whose id is
// derived from their content, so a model trained on one names exactly
// the data it came from.
package datasets

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aquaml/aquaml/platform/blobstore"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// Config is what the module reads from the configuration.
type Config struct {
	config.Datasets
	// MaxFileBytes bounds one photo, in an archive too.
	MaxFileBytes int64
	// MaxPixels bounds one photo's declared size, as for classification.
	MaxPixels int64
}

// Correction is a photo a user classified and then labelled through
// feedback.
type Correction struct {
	PredictionID, SHA256, Label string
}

// Feedback is where photos from the field come from: the predictions a
// user corrected, and their stored photos (the classification service,
// adapted by app/).
type Feedback interface {
	// Corrections lists userID's corrected predictions with a stored
	// photo, in prediction id order after the prediction id after, from
	// at most limit corrections read; next is where the following page
	// starts (empty: none left), since a page can be short or empty
	// while more follow.
	Corrections(ctx context.Context, userID, after string, limit int) (page []Correction, next string, err error)
	// StoredPhoto reads a photo kept by STORE_IMAGES.
	StoredPhoto(ctx context.Context, sha256 string) ([]byte, error)
}

// Jobs tells how many training jobs are queued or running on any of
// the versions (adapted by app/ from the training module): a dataset is
// not deleted from under them.
type Jobs interface {
	Waiting(ctx context.Context, versionIDs []string) (int, error)
}

// Deps is what the module needs from the application.
type Deps struct {
	DB *gorm.DB
	// RequireUser guards the routes.
	RequireUser echo.MiddlewareFunc
	// Feedback may be nil: adding photos from the field then answers 503.
	Feedback Feedback
	// Jobs may be nil: no training job then holds a dataset back from
	// deletion.
	Jobs   Jobs
	Logger *slog.Logger
	Config Config
}

// Module is the datasets feature.
type Module struct {
	deps  Deps
	cfg   Config
	log   *slog.Logger
	store *store
	blobs *blobstore.Store
}

// New builds the module.
func New(d Deps) (*Module, error) {
	if d.DB == nil {
		return nil, errors.New("datasets: the database is required")
	}
	if d.Config.Dir == "" {
		return nil, errors.New("datasets: DATASET_DIR is empty")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	cfg := d.Config
	cfg.MinPerLabel = max(cfg.MinPerLabel, 1)
	cfg.MaxUpload = max(cfg.MaxUpload, 1)
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = 20 << 20
	}
	return &Module{deps: d, cfg: cfg, log: d.Logger.With("module", "datasets"), store: &store{db: d.DB}, blobs: blobstore.New(cfg.Dir)}, nil
}

// Routes mounts the dataset endpoints on the API group.
func (m *Module) Routes(g *echo.Group) {
	user := m.deps.RequireUser
	g.POST("/datasets", m.create, user)
	g.GET("/datasets", m.list, user)
	g.GET("/datasets/:id", m.get, user)
	g.DELETE("/datasets/:id", m.remove, user)
	g.POST("/datasets/:id/items", m.addItems, user)
	g.POST("/datasets/:id/items/from-feedback", m.fromFeedback, user)
	g.GET("/datasets/:id/items", m.listItems, user)
	g.PATCH("/datasets/:id/items/:item", m.updateItem, user)
	g.DELETE("/datasets/:id/items/:item", m.removeItem, user)
	g.POST("/datasets/:id/versions", m.freeze, user)
	g.GET("/datasets/:id/versions", m.listVersions, user)
	g.GET("/datasets/:id/versions/:version", m.getVersion, user)
}
