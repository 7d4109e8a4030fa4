// Package config loads AquaML's configuration into one typed struct.
//
// Sources, highest precedence first: command-line flags, environment
// variables, a .env file, configs/config.yaml, built-in defaults. Keys keep
// the names of the original Python design (JWT_SECRET_KEY, REDIS_URL, ...)
// so an existing .env moves over unchanged.
//
// Each setting is declared once, by the struct tags of its field below; the
// loader, Validate, Keys, .env.example and README's table all read them:
//
//	env       the variable name (also accepted lower-case in config.yaml)
//	default   the built-in value, written as a user would write it
//	help      the meaning, as .env.example and README show it
//	secret    "true": masked when the configuration is logged
//	unit      MB, ms, min or day: the number the user writes is in this
//	          unit and the field holds bytes or a time.Duration
//	norm      lower, upper or path (one leading slash, none trailing)
//	min, max  bounds, in the user's unit ("1s" for a plain duration)
//	gt        an exclusive lower bound ("0": must be positive)
//	oneof     the accepted values, space-separated
//	required  "true": must not be empty
//	msg       the failure message when the derived one would not say why
//
// Fields of a struct type without an env tag are sections, read in turn.
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

// Config is the whole runtime configuration. Modules receive their section
// as a plain value; nothing outside this package reads viper or the
// environment. Field order is the order .env.example and README list.
type Config struct {
	ProjectName string     `env:"PROJECT_NAME" default:"AquaML" help:"Service name shown in responses and logs"`
	Version     string     `env:"VERSION" help:"Version reported by the API (defaults to the build version)"`
	Environment string     `env:"ENVIRONMENT" default:"development" norm:"lower" oneof:"development test production" help:"development, test or production (production requires DATABASE_URL and REDIS_URL, and 32+ character secrets)"`
	Debug       bool       `env:"DEBUG" default:"false" help:"Verbose errors in logs (never in responses)"`
	LogLevel    slog.Level `env:"LOG_LEVEL" default:"INFO" help:"DEBUG, INFO, WARNING or ERROR"`
	// DataDir holds what the process makes for itself and must keep:
	// the secrets generated when none are configured.
	DataDir string `env:"DATA_DIR" default:"./data" required:"true" help:"Where secrets generated at first start are kept (mode 0600); every process of one deployment must share it, or have JWT_SECRET_KEY and SECRET_KEY set"`

	API      API
	HTTP     HTTP
	Database Database
	Redis    Redis
	Auth     Auth
	// RateLimitPerMinute sits apart from Auth because it limits every
	// caller, signed in or not.
	RateLimitPerMinute int `env:"RATE_LIMIT_PER_MINUTE" default:"60" min:"0" msg:"must not be negative (0 turns the limit off)" help:"API requests per minute per user and per anonymous IP (API keys have their own budgets: by default 300, or this when higher); 0 turns every API limit off"`
	Model              Model
	Classify           Classify
	Metrics            Metrics
	CORS               CORS
	Worker             Worker
	Batch              Batch
	Training           Training
	Webhook            Webhook
	Retention          Retention
	Datasets           Datasets
}

// API is where the HTTP API listens and which prefix versions it.
type API struct {
	Host     string `env:"API_HOST" default:"0.0.0.0" help:"Interface the API listens on"`
	Port     int    `env:"API_PORT" default:"8000" min:"0" max:"65535" help:"API port"`
	V1Prefix string `env:"API_V1_PREFIX" default:"/api/v1" norm:"path" help:"Path prefix of the versioned API"`
}

// HTTP holds the server limits that protect the process.
type HTTP struct {
	// BodyLimit is in bytes; larger bodies get 413. Its rule is gt, not
	// min, so code may set a limit below the 1 MB a user can write.
	BodyLimit     int64         `env:"BODY_LIMIT_MB" default:"20" unit:"MB" gt:"0" msg:"must be at least 1" help:"Largest accepted request body in MB (413 beyond)"`
	ReadTimeout   time.Duration `env:"READ_TIMEOUT" default:"30s" gt:"0" help:"Time allowed to read a whole request"`
	WriteTimeout  time.Duration `env:"WRITE_TIMEOUT" default:"60s" gt:"0" help:"Time allowed to write a response"`
	IdleTimeout   time.Duration `env:"IDLE_TIMEOUT" default:"120s" gt:"0" help:"Keep-alive idle timeout"`
	ShutdownGrace time.Duration `env:"SHUTDOWN_GRACE" default:"20s" min:"0" help:"How long in-flight requests may run after SIGTERM"`
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []*net.IPNet `env:"TRUSTED_PROXIES" help:"CIDRs of proxies whose X-Forwarded-For is believed (comma-separated); empty trusts loopback only"`
}

// Database selects Postgres (URL set) or the embedded SQLite file.
type Database struct {
	URL string `env:"DATABASE_URL" secret:"true" help:"postgres://user:pass@host:5432/db; empty uses the embedded SQLite file"`
	// The defaults hold 4 connections per process, so the largest
	// documented deployment (README, "Scaling") fits in Postgres's
	// default max_connections of 100.
	PoolSize       int    `env:"DATABASE_POOL_SIZE" default:"2" min:"1" help:"Idle connections kept open to Postgres, per process"`
	MaxOverflow    int    `env:"DATABASE_MAX_OVERFLOW" default:"2" min:"0" help:"Extra connections allowed above the pool size, per process (pool + overflow is the most a process opens)"`
	SQLitePath     string `env:"SQLITE_PATH" default:"./data/aquaml.db" help:"SQLite file used when DATABASE_URL is empty"`
	MigrateOnStart bool   `env:"MIGRATE_ON_START" default:"true" help:"Apply database migrations when serve starts"`
}

// Redis selects a Redis server (URL set) or the in-process one.
type Redis struct {
	URL      string `env:"REDIS_URL" secret:"true" help:"redis://host:6379/0; empty starts an in-process Redis that keeps nothing"`
	PoolSize int    `env:"REDIS_POOL_SIZE" default:"10" min:"1" help:"Connections per Redis client"`
}

// Auth holds the token and password settings. The lifetimes' rule is gt,
// not min, so code may set them shorter than the whole minute or day a
// user can write.
type Auth struct {
	// No secret has a default: one anybody can read in the source would
	// let anybody sign an admin's token. Empty ones are generated at
	// first start and kept in DataDir.
	SecretKey          string        `env:"SECRET_KEY" secret:"true" help:"General signing secret (32+ characters); empty: a random one is generated at first start and kept in DATA_DIR"`
	JWTSecretKey       string        `env:"JWT_SECRET_KEY" secret:"true" help:"Secret that signs access tokens (32+ characters); empty: a random one is generated at first start and kept in DATA_DIR"`
	JWTAlgorithm       string        `env:"JWT_ALGORITHM" default:"HS256" norm:"upper" oneof:"HS256 HS384 HS512" help:"HS256, HS384 or HS512"`
	JWTExpire          time.Duration `env:"JWT_EXPIRE_MINUTES" default:"30" unit:"min" gt:"0" msg:"must be at least 1" help:"Access token lifetime in minutes"`
	RefreshTokenExpire time.Duration `env:"REFRESH_TOKEN_EXPIRE_DAYS" default:"7" unit:"day" gt:"0" msg:"must be at least 1" help:"Refresh token lifetime in days"`
	BcryptCost         int           `env:"BCRYPT_COST" default:"12" min:"4" max:"31" help:"bcrypt cost for password hashes (4-31)"`
	LoginRatePerMinute int           `env:"LOGIN_RATE_LIMIT_PER_MINUTE" default:"10" min:"1" help:"Login attempts per minute per client IP, and per account from each client IP"`
	// LoginProxyRatePerMinute bounds what one trusted proxy forwards, so
	// rotating X-Forwarded-For cannot escape the per-IP budget.
	LoginProxyRatePerMinute int    `env:"LOGIN_RATE_LIMIT_PER_PROXY_PER_MINUTE" default:"100" min:"0" msg:"must not be negative (0 turns the limit off)" help:"Login attempts per minute through one trusted proxy, whatever client IPs it names in X-Forwarded-For"`
	FirstAdminEmail         string `env:"FIRST_ADMIN_EMAIL" help:"Creates this admin at start when no admin exists"`
	FirstAdminPassword      string `env:"FIRST_ADMIN_PASSWORD" secret:"true" help:"Password for FIRST_ADMIN_EMAIL"`
}

// Model selects the classifier and how inference runs.
type Model struct {
	Path         string        `env:"MODEL_PATH" help:"Model file to serve; empty serves the bundled fish model"`
	Dir          string        `env:"MODEL_DIR" default:"./data/models" help:"Where uploaded model files are kept"`
	BatchSize    int           `env:"BATCH_SIZE" default:"32" min:"1" max:"256" help:"Largest inference batch the engine forms"`
	BatchWait    time.Duration `env:"BATCH_WAIT_MS" default:"3" unit:"ms" min:"0" help:"How long the engine waits to fill a batch, in milliseconds"`
	QueueSize    int           `env:"INFERENCE_QUEUE_SIZE" default:"256" min:"1" help:"Images that may wait for inference before 503"`
	Workers      int           `env:"INFERENCE_WORKERS" default:"0" min:"0" max:"16" help:"Batches each served model runs at once; each holds its own activations (counted in the model's memory). 0 means 2 (1 on a one-core machine): a second keeps both cores busy with the small batches of light traffic (BENCHMARKS.md)"`
	MaxPixels    int64         `env:"MAX_IMAGE_PIXELS" default:"40000000" min:"1" help:"Largest accepted image in pixels (413 beyond)"`
	DecodeMemory int64         `env:"DECODE_MEMORY_MB" default:"384" unit:"MB" min:"16" help:"Memory all image decodes at once may take in each process, estimated from each header, in MB; a photo waits briefly for room (503 with Retry-After beyond), and one that alone needs more is refused with 413"`
	HeavyDecodes int           `env:"DECODE_HEAVY_CONCURRENCY" default:"0" min:"0" help:"Large photos (16 megapixels and up, weighted by format) decoded at once in each process; 0 means half the cores, at least one, so ordinary photos always have a core"`
	Device       string        `env:"INFERENCE_DEVICE" default:"cpu" norm:"lower" oneof:"cpu auto" msg:"must be cpu: this build runs inference on the CPU" help:"cpu (the only device of this build)"`
	SyncInterval time.Duration `env:"MODEL_SYNC_INTERVAL" default:"15s" min:"1s" help:"How often each process re-checks which models to serve (loads, unloads and activations are also announced over Redis)"`
	MemoryMB     int64         `env:"MODEL_MEMORY_MB" default:"1024" min:"16" help:"Memory all ready models together may take in each process (weights and graphs at the batch sizes served), in MB; a load beyond it is refused"`
	LoadWait     time.Duration `env:"MODEL_LOAD_WAIT" default:"15s" min:"1s" help:"How long a load or activation waits for every API process and worker to serve the model"`
}

// Classify holds the classification API's settings.
type Classify struct {
	CacheTTL    time.Duration `env:"CLASSIFY_CACHE_TTL" default:"1h" min:"0" help:"How long a classification is answered from the Redis cache for the same photo; 0 turns the cache off"`
	StoreImages bool          `env:"STORE_IMAGES" default:"false" help:"Keep every classified photo (content-addressed) for later retraining"`
	ImageDir    string        `env:"IMAGE_DIR" default:"./data/images" help:"Where photos are kept when STORE_IMAGES is true"`
}

// Metrics controls the Prometheus endpoint.
type Metrics struct {
	Enabled bool `env:"PROMETHEUS_ENABLED" default:"true" help:"Serve /metrics"`
	Port    int  `env:"METRICS_PORT" default:"0" min:"0" max:"65535" help:"Separate port for /metrics; 0 serves it on the API port"`
}

// CORS is the cross-origin policy.
type CORS struct {
	Origins          []string `env:"CORS_ORIGINS" default:"*" help:"Allowed origins: JSON list or comma-separated"`
	AllowCredentials bool     `env:"CORS_ALLOW_CREDENTIALS" default:"false" help:"Allow cookies/credentials cross-origin (not with *)"`
	AllowMethods     []string `env:"CORS_ALLOW_METHODS" default:"GET,POST,PUT,PATCH,DELETE,OPTIONS" help:"Allowed methods: JSON list or comma-separated"`
	AllowHeaders     []string `env:"CORS_ALLOW_HEADERS" default:"Authorization,Content-Type,X-API-Key,X-Request-ID" help:"Allowed headers: JSON list or comma-separated"`
}

// Worker controls the in-process queue consumer.
type Worker struct {
	Enabled     bool `env:"WORKER_ENABLED" default:"true" help:"Run the queue worker inside serve (same as --worker)"`
	Concurrency int  `env:"WORKER_CONCURRENCY" default:"2" min:"1" help:"Queue tasks processed at once per worker process"`
}

// Batch holds the limits and timing of batch jobs. MaxUnzipped and
// QuotaBytes are in bytes. The quotas are per user and count what the
// user's batches hold until they are deleted; 0 lifts a quota.
type Batch struct {
	Dir               string        `env:"BATCH_DIR" default:"./data/batches" required:"true" help:"Where the photos of batch jobs are kept until the batch is deleted"`
	MaxImages         int           `env:"BATCH_MAX_IMAGES" default:"1000" min:"1" max:"50000" help:"Most photos one batch may hold (BODY_LIMIT_MB bounds the upload too)"`
	MaxUnzipped       int64         `env:"BATCH_MAX_UNZIPPED_MB" default:"1024" unit:"MB" min:"1" help:"Most bytes a batch's zip archive may expand to, in MB"`
	ChunkSize         int           `env:"BATCH_CHUNK_SIZE" default:"64" min:"1" max:"1024" help:"Photos per queue task; a multiple of BATCH_SIZE keeps inference batches full"`
	Lease             time.Duration `env:"BATCH_LEASE" default:"10s" min:"1s" help:"How long a worker holds batch photos without renewing (it renews every third of it) before another worker takes them over"`
	ReconcileInterval time.Duration `env:"BATCH_RECONCILE_INTERVAL" default:"2s" min:"100ms" help:"How often workers look for batch work lost to a crash or a Redis restart; a dead worker's photos wait at most BATCH_LEASE plus this"`
	// The default quotas let a farm keep about two weeks of mornings
	// (1,000 photos of ~150 KB each) while twenty users together stay
	// within a 40 GB disk.
	QuotaBytes   int64 `env:"BATCH_QUOTA_MB" default:"2048" unit:"MB" min:"0" help:"Most MB of photos one user's batches may hold (413 beyond; 0: no limit)"`
	QuotaPhotos  int   `env:"BATCH_QUOTA_PHOTOS" default:"20000" min:"0" help:"Most photos one user's batches may hold (413 beyond; 0: no limit)"`
	QuotaBatches int   `env:"BATCH_QUOTA_BATCHES" default:"200" min:"0" help:"Most batches one user may keep until deleting some (413 beyond; 0: no limit)"`
}

// Training controls training jobs: where their checkpoints live, how much
// of the machine they take, and who may start them.
type Training struct {
	Dir string `env:"TRAINING_DIR" default:"./data/training" required:"true" help:"Where training jobs keep their data and epoch checkpoints (shared by every worker, like BATCH_DIR)"`
	// Threads bounds the goroutines a job decodes images with and those
	// each of its network's kernel calls runs on, so a worker that also
	// serves keeps a core for classification.
	Threads           int           `env:"TRAINING_THREADS" default:"0" min:"0" help:"Cores a training job's image decoding and network maths each use; 0 takes max(1, CPUs-1), leaving a core for serving"`
	AllowUsers        bool          `env:"TRAINING_ALLOW_USERS" default:"false" help:"Let users (not only admins) train on their own dataset versions"`
	MaxEpochs         int           `env:"TRAINING_MAX_EPOCHS" default:"200" min:"1" max:"10000" help:"Most epochs one training job may ask for"`
	Lease             time.Duration `env:"TRAINING_LEASE" default:"1m" min:"1s" help:"How long a worker holds a training job without renewing before another worker resumes it"`
	ReconcileInterval time.Duration `env:"TRAINING_RECONCILE_INTERVAL" default:"30s" min:"100ms" help:"How often workers look for training jobs lost to a crash"`
}

// Webhook controls how batch callbacks are delivered.
type Webhook struct {
	AllowPrivate bool          `env:"WEBHOOK_ALLOW_PRIVATE" default:"false" help:"Allow batch callback URLs that resolve to loopback, link-local or private addresses"`
	Timeout      time.Duration `env:"WEBHOOK_TIMEOUT" default:"10s" gt:"0" help:"Time allowed for one webhook delivery"`
	MaxAttempts  int           `env:"WEBHOOK_MAX_ATTEMPTS" default:"8" min:"1" max:"50" help:"Webhook delivery attempts before giving up"`
	RetryBase    time.Duration `env:"WEBHOOK_RETRY_BASE" default:"30s" gt:"0" help:"Wait before the second webhook attempt; it doubles for each later one"`
}

// Retention is how long finished work is kept before the workers remove
// it; 0 keeps it forever.
type Retention struct {
	BatchDays      int           `env:"RETENTION_BATCH_DAYS" default:"30" min:"0" help:"Days a finished batch (its results and photos) is kept after it ends; 0 keeps batches until deleted"`
	PredictionDays int           `env:"RETENTION_PREDICTION_DAYS" default:"365" min:"0" help:"Days a prediction stays in the history; older ones become daily counts (predictions with feedback are kept); 0 keeps them forever"`
	ImageDays      int           `env:"RETENTION_IMAGE_DAYS" default:"90" min:"0" help:"Days a stored photo (STORE_IMAGES) is kept after its last prediction, unless a prediction of it has feedback; 0 keeps them forever"`
	Interval       time.Duration `env:"RETENTION_INTERVAL" default:"1h" min:"1s" help:"How often workers remove what has expired (also once at start)"`
}

// Datasets holds where training photos are kept and what one user's
// datasets may hold. MaxUnzipped and QuotaBytes are in bytes; 0 lifts a
// quota.
type Datasets struct {
	Dir         string `env:"DATASET_DIR" default:"./data/datasets" required:"true" help:"Where the photos of datasets are kept (content-addressed, each stored once)"`
	MinPerLabel int    `env:"DATASET_MIN_PER_LABEL" default:"20" min:"1" help:"Photos per label below which a dataset warns that the label is too thin to learn"`
	MaxUpload   int    `env:"DATASET_MAX_UPLOAD_IMAGES" default:"5000" min:"1" max:"100000" help:"Most photos one upload to a dataset may add (BODY_LIMIT_MB bounds the upload too)"`
	MaxUnzipped int64  `env:"DATASET_MAX_UNZIPPED_MB" default:"1024" unit:"MB" min:"1" help:"Most bytes the zip archives of one dataset upload may expand to, in MB"`
	// The default quotas hold a few thousand photos per species for a
	// farm's handful of species.
	QuotaDatasets int   `env:"DATASET_QUOTA_DATASETS" default:"50" min:"0" help:"Most datasets one user may keep (413 beyond; 0: no limit)"`
	QuotaPhotos   int   `env:"DATASET_QUOTA_PHOTOS" default:"50000" min:"0" help:"Most photos one user's datasets may hold together (413 beyond; 0: no limit)"`
	QuotaBytes    int64 `env:"DATASET_QUOTA_MB" default:"4096" unit:"MB" min:"0" help:"Most MB of photos one user's datasets may hold together (413 beyond; 0: no limit)"`
}

// Addr is the API listen address.
func (c Config) Addr() string { return joinHostPort(c.API.Host, c.API.Port) }

// IsProduction reports whether ENVIRONMENT is production.
func (c Config) IsProduction() bool { return c.Environment == EnvProduction }
