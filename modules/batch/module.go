// Package batch classifies many photos asynchronously: a client uploads a
// morning's camera photos (many files or one zip archive) and follows the
// job to its results, by polling, by Server-Sent Events or by a signed
// webhook.
//
// The database is the source of truth. Every photo is stored and every
// item row written before the upload is answered; Asynq tasks carry only a
// batch id and a chunk number. A worker claims a chunk's items with a
// guarded UPDATE and a claim token, renews its lease while it works, and
// writes each result only while it still holds the claim, so a task
// delivered twice, a retry after a crash or two racing workers never count
// an item twice. A reconciler (at start and periodically) hands back items
// whose lease ran out and re-enqueues work the queue lost, so a killed
// worker or a Redis that lost its data still ends with every photo
// classified exactly once.
package batch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
)

// Queues the module's tasks run on, with their priority weights.
const (
	ChunkQueue   = "batch"
	WebhookQueue = "webhooks"
)

// Queues maps the module's queue names to their weights, for the worker's
// configuration.
func Queues() map[string]int { return map[string]int{ChunkQueue: 4, WebhookQueue: 1} }

// Config is what the module reads from the configuration: the batch and
// webhook sections as they are, and what it takes from other sections.
type Config struct {
	config.Batch
	Webhook   config.Webhook
	Retention config.Retention
	// APIPrefix is where the routes are mounted, for the links in answers.
	APIPrefix string
	// MaxFileBytes bounds one photo, in an archive too.
	MaxFileBytes int64
	// Parallel is how many photos one task classifies at once; the engine
	// gathers them into its batches.
	Parallel int
}

// Classifier classifies one photo: the classification service, declared
// here with only what batches use. A photo it cannot classify (not an
// image, corrupt, too large, or a model no longer served) comes back as an
// apperr error of a kind other than Unavailable, and its item fails with
// that error's code and message; any other error is taken as passing (an
// overloaded or reloading engine) and the photo is tried again.
//
// Resolve names the exact model version a reference (id, name,
// name:version, or empty for the default) stands for now, with the same
// errors Classify gives for it; a batch is pinned to it at submit.
type Classifier interface {
	Classify(ctx context.Context, req inference.Request) (inference.Answer, error)
	Resolve(ctx context.Context, ref string) (inference.ModelRef, error)
}

// Deps is what the module needs from the application.
type Deps struct {
	DB         *gorm.DB
	Client     *asynq.Client
	Inspector  *asynq.Inspector
	Classifier Classifier
	// RequireUser and RequireAdmin guard the routes.
	RequireUser  echo.MiddlewareFunc
	RequireAdmin echo.MiddlewareFunc
	// Draining reports that the server is shutting down, so event streams
	// end and clients reconnect elsewhere.
	Draining func() bool
	Metrics  prometheus.Registerer
	Logger   *slog.Logger
	Config   Config
}

// Module is the batch feature.
type Module struct {
	deps     Deps
	cfg      Config
	log      *slog.Logger
	store    *store
	metrics  *metrics
	webhooks *deliverer
	worker   string // recorded on every result this process writes

	mu      sync.Mutex
	stop    context.CancelFunc
	stopped chan struct{}
	// stopRetention ends the retention passes Start began.
	stopRetention func()
}

// New builds the module.
func New(d Deps) (*Module, error) {
	if d.DB == nil || d.Client == nil || d.Inspector == nil {
		return nil, errors.New("batch: the database and the queue are required")
	}
	if d.Classifier == nil {
		return nil, errors.New("batch: no classifier")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Draining == nil {
		d.Draining = func() bool { return false }
	}
	cfg := d.Config
	cfg.ChunkSize = max(cfg.ChunkSize, 1)
	cfg.Parallel = max(cfg.Parallel, 1)
	cfg.Lease = max(cfg.Lease, time.Second)
	cfg.ReconcileInterval = max(cfg.ReconcileInterval, 100*time.Millisecond)
	cfg.Webhook.MaxAttempts = max(cfg.Webhook.MaxAttempts, 1)
	if cfg.Webhook.Timeout <= 0 {
		cfg.Webhook.Timeout = 10 * time.Second
	}
	if cfg.Webhook.RetryBase <= 0 {
		cfg.Webhook.RetryBase = 30 * time.Second
	}
	m := &Module{deps: d, cfg: cfg, log: d.Logger.With("module", "batch"), store: &store{db: d.DB}, worker: workerID()}
	var err error
	if m.metrics, err = newMetrics(d.Metrics, d.Inspector); err != nil {
		return nil, err
	}
	m.webhooks = newDeliverer(cfg.Webhook)
	return m, nil
}

// Routes mounts the batch endpoints and the queue administration on the
// API group.
func (m *Module) Routes(g *echo.Group) {
	user, admin := m.deps.RequireUser, m.deps.RequireAdmin
	g.POST("/batches", m.submit, user)
	g.GET("/batches", m.list, user)
	g.GET("/batches/usage", m.showUsage, user)
	g.GET("/batches/webhook-secret", m.getSecret, user)
	g.POST("/batches/webhook-secret", m.rotateSecret, user)
	g.DELETE("/batches/webhook-secret", m.deleteSecret, user)
	g.GET("/batches/:id", m.get, user)
	g.GET("/batches/:id/results", m.results, user)
	g.GET("/batches/:id/groups", m.groups, user)
	g.GET("/batches/:id/events", m.events, user)
	g.POST("/batches/:id/cancel", m.cancel, user)
	g.DELETE("/batches/:id", m.remove, user)
	g.GET("/admin/queues", m.queues, admin)
	g.POST("/admin/queues/:queue/archived/run", m.runArchived, admin)
}

// Tasks registers the module's task handlers on the worker's mux.
func (m *Module) Tasks(mux *asynq.ServeMux) {
	mux.Handle(taskChunk, m.metrics.timed(taskChunk, asynq.HandlerFunc(m.handleChunk)))
	mux.Handle(taskWebhook, m.metrics.timed(taskWebhook, asynq.HandlerFunc(m.handleWebhook)))
}

// Start reconciles once (work a crash left behind is handed back before
// this worker takes tasks) and then keeps reconciling in the background
// until ctx ends or Close. Call it in worker processes, once the database
// is migrated.
func (m *Module) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stop != nil {
		return nil
	}
	if err := m.reconcile(ctx); err != nil {
		// Redis may still be starting: the loop tries again.
		m.log.Warn("reconciling batches at start", "error", err)
	}
	loopCtx, cancel := context.WithCancel(ctx)
	m.stop, m.stopped = cancel, make(chan struct{})
	go m.reconcileLoop(loopCtx, m.stopped)
	m.stopRetention = m.startRetention()
	return nil
}

// Close stops the reconciler.
func (m *Module) Close() {
	m.mu.Lock()
	stop, stopped, stopRetention := m.stop, m.stopped, m.stopRetention
	m.mu.Unlock()
	if stopRetention != nil {
		stopRetention()
	}
	if stop != nil {
		stop()
		<-stopped
	}
}

// workerID names this process in the results it writes: host, pid and a
// random suffix (several Apps may share a test process).
func workerID() string {
	host, _ := os.Hostname()
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// PinnedTo counts the unfinished batches pinned to a model, so the model
// is not taken out of service under them.
func (m *Module) PinnedTo(ctx context.Context, modelID string) (int, error) {
	return m.store.pinnedTo(ctx, modelID)
}
