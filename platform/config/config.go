// Package config loads AquaML's configuration into one typed struct.
//
// Sources, highest precedence first: command-line flags, environment
// variables, a .env file, configs/config.yaml, built-in defaults. Keys keep
// the names of the original Python design (JWT_SECRET_KEY, REDIS_URL, ...)
// so an existing .env moves over unchanged.
package config

import (
	"log/slog"
	"net"
	"time"
)

// Environment names accepted in ENVIRONMENT.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
	EnvTest        = "test"
)

// DevSecret is the built-in secret used outside production so that the
// server starts with no configuration. Production refuses to run with it.
const DevSecret = "aquaml-development-secret-change-me"

// Config is the whole runtime configuration. Modules receive the parts they
// need as plain values; nothing outside this package reads viper or the
// environment.
type Config struct {
	ProjectName string
	Version     string
	Environment string
	Debug       bool
	LogLevel    slog.Level

	API      API
	HTTP     HTTP
	Database Database
	Redis    Redis
	Auth     Auth
	Model    Model
	Metrics  Metrics
	CORS     CORS
	Worker   Worker
	Classify Classify
	Batch    Batch
	Webhook  Webhook

	RateLimitPerMinute int
}

// API is where the HTTP API listens and which prefix versions it.
type API struct {
	Host     string
	Port     int
	V1Prefix string
}

// HTTP holds the server limits that protect the process.
type HTTP struct {
	BodyLimit     int64 // bytes; larger bodies get 413
	ReadTimeout   time.Duration
	WriteTimeout  time.Duration
	IdleTimeout   time.Duration
	ShutdownGrace time.Duration
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []*net.IPNet
}

// Database selects Postgres (URL set) or the embedded SQLite file.
type Database struct {
	URL            string
	PoolSize       int
	MaxOverflow    int
	SQLitePath     string
	MigrateOnStart bool
}

// Redis selects a Redis server (URL set) or the in-process one.
type Redis struct {
	URL      string
	PoolSize int
}

// Auth holds the token and password settings.
type Auth struct {
	SecretKey          string
	JWTSecretKey       string
	JWTAlgorithm       string
	JWTExpire          time.Duration
	RefreshTokenExpire time.Duration
	BcryptCost         int
	LoginRatePerMinute int
	FirstAdminEmail    string
	FirstAdminPassword string
}

// Model selects the classifier and how inference runs.
type Model struct {
	Path            string // empty: the bundled model
	Dir             string // where uploaded models are kept
	BatchSize       int
	BatchWait       time.Duration
	QueueSize       int
	MaxPixels       int64
	InferenceDevice string
	SyncInterval    time.Duration
}

// Classify holds the classification API's settings.
type Classify struct {
	CacheTTL    time.Duration
	StoreImages bool
	ImageDir    string
}

// Metrics controls the Prometheus endpoint.
type Metrics struct {
	Enabled bool
	Port    int // 0: served on the API port
}

// CORS is the cross-origin policy.
type CORS struct {
	Origins          []string
	AllowCredentials bool
	AllowMethods     []string
	AllowHeaders     []string
}

// Batch holds the limits and timing of batch jobs.
type Batch struct {
	Dir               string
	MaxImages         int
	MaxUnzipped       int64 // bytes
	ChunkSize         int
	Lease             time.Duration
	ReconcileInterval time.Duration
}

// Webhook controls how batch callbacks are delivered.
type Webhook struct {
	AllowPrivate bool
	Timeout      time.Duration
	MaxAttempts  int
	RetryBase    time.Duration
}

// Worker controls the in-process queue consumer.
type Worker struct {
	Enabled     bool
	Concurrency int
}

// Addr is the API listen address.
func (c Config) Addr() string { return joinHostPort(c.API.Host, c.API.Port) }

// IsProduction reports whether ENVIRONMENT is production.
func (c Config) IsProduction() bool { return c.Environment == EnvProduction }
