package config

// Key describes one configuration setting: its name (the environment
// variable, also accepted lower-case in config.yaml), default and meaning.
type Key struct {
	Name    string
	Default string
	Help    string
	Secret  bool
}

// Keys lists every setting the binary reads. .env.example and the README's
// configuration table are checked against it by tests.
var Keys = []Key{
	{"PROJECT_NAME", "AquaML", "Service name shown in responses and logs", false},
	{"VERSION", "", "Version reported by the API (defaults to the build version)", false},
	{"ENVIRONMENT", EnvDevelopment, "development, test or production (production enforces real secrets)", false},
	{"DEBUG", "false", "Verbose errors in logs (never in responses)", false},
	{"LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR", false},

	{"API_HOST", "0.0.0.0", "Interface the API listens on", false},
	{"API_PORT", "8000", "API port", false},
	{"API_V1_PREFIX", "/api/v1", "Path prefix of the versioned API", false},
	{"BODY_LIMIT_MB", "20", "Largest accepted request body in MB (413 beyond)", false},
	{"READ_TIMEOUT", "30s", "Time allowed to read a whole request", false},
	{"WRITE_TIMEOUT", "60s", "Time allowed to write a response", false},
	{"IDLE_TIMEOUT", "120s", "Keep-alive idle timeout", false},
	{"SHUTDOWN_GRACE", "20s", "How long in-flight requests may run after SIGTERM", false},
	{"TRUSTED_PROXIES", "", "CIDRs of proxies whose X-Forwarded-For is believed (comma-separated); empty trusts loopback and private networks", false},

	{"DATABASE_URL", "", "postgres://user:pass@host:5432/db; empty uses the embedded SQLite file", true},
	{"DATABASE_POOL_SIZE", "10", "Idle connections kept open to Postgres", false},
	{"DATABASE_MAX_OVERFLOW", "20", "Extra connections allowed above the pool size", false},
	{"SQLITE_PATH", "./data/aquaml.db", "SQLite file used when DATABASE_URL is empty", false},
	{"MIGRATE_ON_START", "true", "Apply database migrations when serve starts", false},

	{"REDIS_URL", "", "redis://host:6379/0; empty starts an in-process Redis that keeps nothing", true},
	{"REDIS_POOL_SIZE", "10", "Connections per Redis client", false},

	{"SECRET_KEY", DevSecret, "General signing secret (webhooks); must be set in production", true},
	{"JWT_SECRET_KEY", DevSecret, "Secret that signs access tokens; must be set in production", true},
	{"JWT_ALGORITHM", "HS256", "HS256, HS384 or HS512", false},
	{"JWT_EXPIRE_MINUTES", "30", "Access token lifetime in minutes", false},
	{"REFRESH_TOKEN_EXPIRE_DAYS", "7", "Refresh token lifetime in days", false},
	{"BCRYPT_COST", "12", "bcrypt cost for password hashes (4-31)", false},
	{"LOGIN_RATE_LIMIT_PER_MINUTE", "10", "Login attempts per minute per IP and per account", false},
	{"FIRST_ADMIN_EMAIL", "", "Creates this admin at start when no admin exists", false},
	{"FIRST_ADMIN_PASSWORD", "", "Password for FIRST_ADMIN_EMAIL", true},
	{"RATE_LIMIT_PER_MINUTE", "60", "API requests per minute per user, API key or anonymous IP", false},

	{"MODEL_PATH", "", "Model file to serve; empty serves the bundled fish model", false},
	{"MODEL_DIR", "./data/models", "Where uploaded model files are kept", false},
	{"BATCH_SIZE", "32", "Largest inference batch the engine forms", false},
	{"BATCH_WAIT_MS", "3", "How long the engine waits to fill a batch, in milliseconds", false},
	{"INFERENCE_QUEUE_SIZE", "256", "Images that may wait for inference before 503", false},
	{"MAX_IMAGE_PIXELS", "40000000", "Largest accepted image in pixels (413 beyond)", false},
	{"INFERENCE_DEVICE", "cpu", "cpu (the only device of this build)", false},
	{"MODEL_SYNC_INTERVAL", "15s", "How often each process re-checks which model is active (activations are also announced over Redis)", false},
	{"CLASSIFY_CACHE_TTL", "1h", "How long a classification is answered from the Redis cache for the same photo; 0 turns the cache off", false},
	{"STORE_IMAGES", "false", "Keep every classified photo (content-addressed) for later retraining", false},
	{"IMAGE_DIR", "./data/images", "Where photos are kept when STORE_IMAGES is true", false},

	{"PROMETHEUS_ENABLED", "true", "Serve /metrics", false},
	{"METRICS_PORT", "0", "Separate port for /metrics; 0 serves it on the API port", false},

	{"CORS_ORIGINS", "*", "Allowed origins: JSON list or comma-separated", false},
	{"CORS_ALLOW_CREDENTIALS", "false", "Allow cookies/credentials cross-origin (not with *)", false},
	{"CORS_ALLOW_METHODS", "GET,POST,PUT,PATCH,DELETE,OPTIONS", "Allowed methods: JSON list or comma-separated", false},
	{"CORS_ALLOW_HEADERS", "Authorization,Content-Type,X-API-Key,X-Request-ID", "Allowed headers: JSON list or comma-separated", false},

	{"WORKER_ENABLED", "true", "Run the queue worker inside serve (same as --worker)", false},
	{"WORKER_CONCURRENCY", "2", "Queue tasks processed at once per worker process", false},

	{"BATCH_DIR", "./data/batches", "Where the photos of batch jobs are kept until the batch is deleted", false},
	{"BATCH_MAX_IMAGES", "1000", "Most photos one batch may hold (BODY_LIMIT_MB bounds the upload too)", false},
	{"BATCH_MAX_UNZIPPED_MB", "1024", "Most bytes a batch's zip archive may expand to, in MB", false},
	{"BATCH_CHUNK_SIZE", "64", "Photos per queue task; a multiple of BATCH_SIZE keeps inference batches full", false},
	{"BATCH_LEASE", "1m", "How long a worker holds batch photos without renewing before another worker takes them over", false},
	{"BATCH_RECONCILE_INTERVAL", "30s", "How often workers look for batch work lost to a crash or a Redis restart", false},
	{"WEBHOOK_ALLOW_PRIVATE", "false", "Allow batch callback URLs that resolve to loopback, link-local or private addresses", false},
	{"WEBHOOK_TIMEOUT", "10s", "Time allowed for one webhook delivery", false},
	{"WEBHOOK_MAX_ATTEMPTS", "8", "Webhook delivery attempts before giving up", false},
	{"WEBHOOK_RETRY_BASE", "30s", "Wait before the second webhook attempt; it doubles for each later one", false},
}
