// Package training turns a frozen dataset version into a served model in
// the background: a client posts a training job, follows its progress by
// polling or Server-Sent Events, may cancel it, and gets the id of the
// registered model (not the default: an admin loads it) with its model
// card, curves and confusion matrix when it completes.
//
// The database is the source of truth. The queue task carries only the
// job id; a worker claims the job with a guarded UPDATE and a claim token,
// renews its lease while it trains and writes progress only while it still
// holds the claim. After every epoch the trainer writes a checkpoint under
// TRAINING_DIR/<job>; a worker killed mid-training lets its lease run out,
// and the reconciler of any worker (periodically, and at start) hands the
// job to the queue again, so another worker resumes it from that epoch.
package training

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// Queue is the module's own queue; each worker takes one of its tasks at
// a time (a job uses the cores it is given for hours).
const Queue = "training"

// DatasetItem is one photo of a frozen dataset version.
type DatasetItem struct{ SHA256, Label, Group string }

// DatasetLabel names a label.
type DatasetLabel struct{ Name, ScientificName, CommonName string }

// DatasetVersion is an immutable dataset version.
type DatasetVersion struct {
	ID, OwnerID string
	Labels      []DatasetLabel
	Items       []DatasetItem
}

// Datasets reads frozen dataset versions and their photos: the datasets
// module, adapted by app/. An unknown version is an apperr NotFound.
type Datasets interface {
	Version(ctx context.Context, id string) (DatasetVersion, error)
	Photo(ctx context.Context, sha256 string) ([]byte, error)
}

// Models registers the trained model and reads a base model to fine-tune from:
// satisfied by *classification.Module (RegisterModel, ModelFile in modules/classification/exports.go).
type Models interface {
	RegisterModel(ctx context.Context, data []byte, owner, card string) (inference.ModelRef, error)
	ModelFile(ctx context.Context, id string) ([]byte, error)
}

// Config is what the module reads from the configuration.
type Config struct {
	config.Training
	// APIPrefix is where the routes are mounted, for the links in answers.
	APIPrefix string
}

// Deps is what the module needs from the application.
type Deps struct {
	DB        *gorm.DB
	Client    *asynq.Client
	Inspector *asynq.Inspector
	Datasets  Datasets
	Models    Models
	// RequireUser guards the routes; who may train is decided inside.
	RequireUser echo.MiddlewareFunc
	// Draining reports that the server is shutting down, so event streams
	// end and clients reconnect elsewhere.
	Draining func() bool
	Logger   *slog.Logger
	Config   Config
}

// Module is the training feature.
type Module struct {
	deps   Deps
	cfg    Config
	log    *slog.Logger
	store  *store
	worker string

	mu      sync.Mutex
	stop    context.CancelFunc
	stopped chan struct{}
}

// New builds the module.
func New(d Deps) (*Module, error) {
	if d.DB == nil || d.Client == nil || d.Inspector == nil {
		return nil, errors.New("training: the database and the queue are required")
	}
	if d.Datasets == nil || d.Models == nil {
		return nil, errors.New("training: datasets and models are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Draining == nil {
		d.Draining = func() bool { return false }
	}
	cfg := d.Config
	if cfg.Threads <= 0 {
		cfg.Threads = max(1, runtime.NumCPU()-1)
	}
	cfg.Lease = max(cfg.Lease, time.Second)
	cfg.ReconcileInterval = max(cfg.ReconcileInterval, 100*time.Millisecond)
	cfg.MaxEpochs = max(cfg.MaxEpochs, 1)
	return &Module{deps: d, cfg: cfg, log: d.Logger.With("module", "training"), store: &store{db: d.DB}, worker: workerID()}, nil
}

// Routes mounts the training endpoints on the API group.
func (m *Module) Routes(g *echo.Group) {
	user := m.deps.RequireUser
	g.POST("/training-jobs", m.submit, user)
	g.GET("/training-jobs", m.list, user)
	g.GET("/training-jobs/:id", m.get, user)
	g.GET("/training-jobs/:id/report", m.report, user)
	g.GET("/training-jobs/:id/curves.png", m.curves, user)
	g.GET("/training-jobs/:id/confusion.png", m.confusion, user)
	g.GET("/training-jobs/:id/events", m.events, user)
	g.POST("/training-jobs/:id/cancel", m.cancel, user)
}

// Tasks registers the module's task handler on the worker's mux.
func (m *Module) Tasks(mux *asynq.ServeMux) { mux.HandleFunc(taskTrain, m.handleTrain) }

// Start reconciles once (a job a crash left running is handed back
// before this worker takes tasks) and then keeps reconciling until ctx
// ends or Close. Call it in worker processes, once the database is
// migrated.
func (m *Module) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stop != nil {
		return nil
	}
	if err := m.reconcile(ctx); err != nil {
		m.log.Warn("reconciling training jobs at start", "error", err)
	}
	loopCtx, cancel := context.WithCancel(ctx)
	m.stop, m.stopped = cancel, make(chan struct{})
	go m.reconcileLoop(loopCtx, m.stopped)
	return nil
}

// Close stops the reconciler.
func (m *Module) Close() {
	m.mu.Lock()
	stop, stopped := m.stop, m.stopped
	m.mu.Unlock()
	if stop != nil {
		stop()
		<-stopped
	}
}

// workerID names this process in the jobs it claims.
func workerID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), newToken()[:6])
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Waiting counts the jobs queued or running on any of the dataset
// versions, so datasets keeps their photos until those jobs end.
func (m *Module) Waiting(ctx context.Context, versionIDs []string) (int, error) {
	return m.store.waiting(ctx, versionIDs)
}
