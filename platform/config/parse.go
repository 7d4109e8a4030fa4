package config

import (
	"strings"
	"time"

	"github.com/spf13/viper"
)

func parse(v *viper.Viper) (Config, error) {
	r := &reader{v: v}
	c := Config{
		ProjectName: r.str("PROJECT_NAME"),
		Version:     r.str("VERSION"),
		Environment: strings.ToLower(r.str("ENVIRONMENT")),
		Debug:       r.bool("DEBUG"),
		LogLevel:    r.level("LOG_LEVEL"),
		API: API{
			Host:     r.str("API_HOST"),
			Port:     r.int("API_PORT"),
			V1Prefix: "/" + strings.Trim(r.str("API_V1_PREFIX"), "/"),
		},
		HTTP: HTTP{
			BodyLimit:      int64(r.int("BODY_LIMIT_MB")) << 20,
			ReadTimeout:    r.duration("READ_TIMEOUT"),
			WriteTimeout:   r.duration("WRITE_TIMEOUT"),
			IdleTimeout:    r.duration("IDLE_TIMEOUT"),
			ShutdownGrace:  r.duration("SHUTDOWN_GRACE"),
			TrustedProxies: r.cidrs("TRUSTED_PROXIES"),
		},
		Database: Database{
			URL:            r.str("DATABASE_URL"),
			PoolSize:       r.int("DATABASE_POOL_SIZE"),
			MaxOverflow:    r.int("DATABASE_MAX_OVERFLOW"),
			SQLitePath:     r.str("SQLITE_PATH"),
			MigrateOnStart: r.bool("MIGRATE_ON_START"),
		},
		Redis: Redis{
			URL:      r.str("REDIS_URL"),
			PoolSize: r.int("REDIS_POOL_SIZE"),
		},
		Auth: Auth{
			SecretKey:          r.str("SECRET_KEY"),
			JWTSecretKey:       r.str("JWT_SECRET_KEY"),
			JWTAlgorithm:       strings.ToUpper(r.str("JWT_ALGORITHM")),
			JWTExpire:          time.Duration(r.int("JWT_EXPIRE_MINUTES")) * time.Minute,
			RefreshTokenExpire: time.Duration(r.int("REFRESH_TOKEN_EXPIRE_DAYS")) * 24 * time.Hour,
			BcryptCost:         r.int("BCRYPT_COST"),
			LoginRatePerMinute: r.int("LOGIN_RATE_LIMIT_PER_MINUTE"),
			FirstAdminEmail:    r.str("FIRST_ADMIN_EMAIL"),
			FirstAdminPassword: r.str("FIRST_ADMIN_PASSWORD"),
		},
		Model: Model{
			Path:            r.str("MODEL_PATH"),
			Dir:             r.str("MODEL_DIR"),
			BatchSize:       r.int("BATCH_SIZE"),
			BatchWait:       time.Duration(r.int("BATCH_WAIT_MS")) * time.Millisecond,
			QueueSize:       r.int("INFERENCE_QUEUE_SIZE"),
			MaxPixels:       int64(r.int("MAX_IMAGE_PIXELS")),
			InferenceDevice: strings.ToLower(r.str("INFERENCE_DEVICE")),
			SyncInterval:    r.duration("MODEL_SYNC_INTERVAL"),
		},
		Classify: Classify{
			CacheTTL:    r.duration("CLASSIFY_CACHE_TTL"),
			StoreImages: r.bool("STORE_IMAGES"),
			ImageDir:    r.str("IMAGE_DIR"),
		},
		Metrics: Metrics{
			Enabled: r.bool("PROMETHEUS_ENABLED"),
			Port:    r.int("METRICS_PORT"),
		},
		CORS: CORS{
			Origins:          r.list("CORS_ORIGINS"),
			AllowCredentials: r.bool("CORS_ALLOW_CREDENTIALS"),
			AllowMethods:     r.list("CORS_ALLOW_METHODS"),
			AllowHeaders:     r.list("CORS_ALLOW_HEADERS"),
		},
		Worker: Worker{
			Enabled:     r.bool("WORKER_ENABLED"),
			Concurrency: r.int("WORKER_CONCURRENCY"),
		},
		Batch: Batch{
			Dir:               r.str("BATCH_DIR"),
			MaxImages:         r.int("BATCH_MAX_IMAGES"),
			MaxUnzipped:       int64(r.int("BATCH_MAX_UNZIPPED_MB")) << 20,
			ChunkSize:         r.int("BATCH_CHUNK_SIZE"),
			Lease:             r.duration("BATCH_LEASE"),
			ReconcileInterval: r.duration("BATCH_RECONCILE_INTERVAL"),
		},
		Webhook: Webhook{
			AllowPrivate: r.bool("WEBHOOK_ALLOW_PRIVATE"),
			Timeout:      r.duration("WEBHOOK_TIMEOUT"),
			MaxAttempts:  r.int("WEBHOOK_MAX_ATTEMPTS"),
			RetryBase:    r.duration("WEBHOOK_RETRY_BASE"),
		},
		RateLimitPerMinute: r.int("RATE_LIMIT_PER_MINUTE"),
	}
	return c, r.err
}
