// Package classification is the API camera rigs and scripts call: classify
// a photo, read the prediction history, send feedback, manage the model
// registry, and speak the Open Inference Protocol (v2) for tools that do.
package classification

import (
	"context"
	"log/slog"
	"sync"

	"github.com/aquaml/aquaml/platform/blobstore"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/imageio"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/rueidis"
	"gorm.io/gorm"
)

// Config is what the module reads from the configuration: the model and
// classification sections as they are, and the body limit that bounds a
// photo's bytes.
type Config struct {
	Model    config.Model
	Classify config.Classify
	MaxBytes int64
}

// engineOptions is how every engine of this process runs.
func (c Config) engineOptions() inference.Options {
	return inference.Options{
		MaxBatch: c.Model.BatchSize, BatchWait: c.Model.BatchWait, QueueSize: c.Model.QueueSize, Workers: c.Model.Workers,
		Limits: imageio.Limits{MaxPixels: c.Model.MaxPixels, MaxBytes: c.MaxBytes}, DecodeMemory: c.Model.DecodeMemory, HeavyDecodes: c.Model.HeavyDecodes,
	}
}

// Deps is what the module needs from the application.
type Deps struct {
	DB           *gorm.DB
	Redis        rueidis.Client
	Config       Config
	Bundled      Bundled
	RequireUser  echo.MiddlewareFunc
	RequireAdmin echo.MiddlewareFunc
	Metrics      prometheus.Registerer
	Logger       *slog.Logger
	// ModelInUse, when set, counts the running batches pinned to a
	// model, so it is not unloaded or deleted under them.
	ModelInUse func(ctx context.Context, modelID string) (int, error)
}

// Module serves classification: its service, its routes and the loading
// of models.
type Module struct {
	deps     Deps
	cfg      Config
	log      *slog.Logger
	store    *store
	registry *registry
	serving  *serving
	presence *presence
	service  *Service
	// fallback is the model this process registered at start (bundled or
	// MODEL_PATH): served when the default cannot be loaded here.
	fallback modelRecord
	metrics  *metrics
	engine   inference.Options
	serveMu  sync.Mutex // one model load at a time
	stop     context.CancelFunc
	done     chan struct{}
	// stopRetention ends the retention passes (worker processes only).
	stopRetention func()
}

// New builds the module. Models are loaded by Start, once the database is
// migrated.
func New(d Deps) (*Module, error) {
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	met, err := newMetrics(d.Metrics)
	if err != nil {
		return nil, err
	}
	st := &store{db: d.DB}
	m := &Module{
		deps: d, cfg: d.Config, log: log, store: st, metrics: met, serving: &serving{},
		presence: newPresence(d.Redis, log),
		engine:   d.Config.engineOptions(),
	}
	m.registry = &registry{store: st, files: blobstore.New(d.Config.Model.Dir), bundled: d.Bundled,
		engine: m.engine, budget: m.memoryBudget()}
	m.service = &Service{
		serving: m.serving, store: st, metrics: met,
		cache:  &cache{client: d.Redis, ttl: d.Config.Classify.CacheTTL, log: log, metrics: met},
		images: blobstore.New(d.Config.Classify.ImageDir), storeImages: d.Config.Classify.StoreImages,
	}
	return m, nil
}

// Service is the classification service, for work that does not come
// through this module's routes (batch jobs).
func (m *Module) Service() *Service { return m.service }

// Routes mounts the REST endpoints under the API group.
func (m *Module) Routes(g *echo.Group) {
	user, admin := m.deps.RequireUser, m.deps.RequireAdmin
	g.POST("/classify", m.classify, user)
	g.GET("/predictions", m.listPredictions, user)
	g.GET("/predictions/daily", m.dailyCounts, user)
	g.GET("/predictions/:id", m.getPrediction, user)
	g.GET("/predictions/:id/image", m.predictionImage, user)
	g.POST("/predictions/:id/feedback", m.putFeedback, user)
	g.GET("/models", m.listModels, user)
	g.GET("/models/:id", m.getModel, user)
	g.POST("/models", m.uploadModel, admin)
	g.POST("/models/:id/activate", m.activateModel, admin)
	g.POST("/models/:id/load", m.loadModel, admin)
	g.POST("/models/:id/unload", m.unloadModel, admin)
	g.DELETE("/models/:id", m.deleteModel, admin)
	g.GET("/models/:id/feedback-summary", m.feedbackSummary, admin)
}

// Close stops following activations and retires the model in service.
func (m *Module) Close() {
	if m.stopRetention != nil {
		m.stopRetention()
	}
	if m.stop != nil {
		m.stop()
		<-m.done
	}
	m.serving.close()
}
