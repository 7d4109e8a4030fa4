package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Validate checks ranges and the rules production imposes. Each failure is
// one line naming the key, so an operator sees at once what to fix.
func (c Config) Validate() error {
	checks := []struct {
		ok   bool
		key  string
		what string
	}{
		{slices.Contains([]string{EnvDevelopment, EnvTest, EnvProduction}, c.Environment), "ENVIRONMENT", "must be development, test or production"},
		{c.API.Port >= 0 && c.API.Port <= 65535, "API_PORT", "must be between 0 and 65535"},
		{c.Metrics.Port >= 0 && c.Metrics.Port <= 65535, "METRICS_PORT", "must be between 0 and 65535"},
		{c.HTTP.BodyLimit > 0, "BODY_LIMIT_MB", "must be at least 1"},
		{c.HTTP.ReadTimeout > 0, "READ_TIMEOUT", "must be positive"},
		{c.HTTP.WriteTimeout > 0, "WRITE_TIMEOUT", "must be positive"},
		{c.HTTP.IdleTimeout > 0, "IDLE_TIMEOUT", "must be positive"},
		{c.HTTP.ShutdownGrace >= 0, "SHUTDOWN_GRACE", "must not be negative"},
		{c.Database.PoolSize >= 1, "DATABASE_POOL_SIZE", "must be at least 1"},
		{c.Database.MaxOverflow >= 0, "DATABASE_MAX_OVERFLOW", "must not be negative"},
		{c.Database.URL != "" || c.Database.SQLitePath != "", "SQLITE_PATH", "must be set when DATABASE_URL is empty"},
		{c.Redis.PoolSize >= 1, "REDIS_POOL_SIZE", "must be at least 1"},
		{slices.Contains([]string{"HS256", "HS384", "HS512"}, c.Auth.JWTAlgorithm), "JWT_ALGORITHM", "must be HS256, HS384 or HS512"},
		{c.Auth.JWTExpire > 0, "JWT_EXPIRE_MINUTES", "must be at least 1"},
		{c.Auth.RefreshTokenExpire > 0, "REFRESH_TOKEN_EXPIRE_DAYS", "must be at least 1"},
		{c.Auth.BcryptCost >= 4 && c.Auth.BcryptCost <= 31, "BCRYPT_COST", "must be between 4 and 31"},
		{c.Auth.LoginRatePerMinute >= 1, "LOGIN_RATE_LIMIT_PER_MINUTE", "must be at least 1"},
		{c.Auth.JWTSecretKey != "", "JWT_SECRET_KEY", "must not be empty"},
		{c.RateLimitPerMinute >= 0, "RATE_LIMIT_PER_MINUTE", "must not be negative (0 turns the limit off)"},
		{c.Model.BatchSize >= 1 && c.Model.BatchSize <= 256, "BATCH_SIZE", "must be between 1 and 256"},
		{c.Model.BatchWait >= 0, "BATCH_WAIT_MS", "must not be negative"},
		{c.Model.QueueSize >= 1, "INFERENCE_QUEUE_SIZE", "must be at least 1"},
		{c.Model.MaxPixels >= 1, "MAX_IMAGE_PIXELS", "must be at least 1"},
		{c.Model.InferenceDevice == "cpu" || c.Model.InferenceDevice == "auto", "INFERENCE_DEVICE", "must be cpu: this build runs inference on the CPU"},
		{c.Worker.Concurrency >= 1, "WORKER_CONCURRENCY", "must be at least 1"},
		{c.Model.SyncInterval >= time.Second, "MODEL_SYNC_INTERVAL", "must be at least 1s"},
		{c.Classify.CacheTTL >= 0, "CLASSIFY_CACHE_TTL", "must not be negative"},
		{!c.Classify.StoreImages || c.Classify.ImageDir != "", "IMAGE_DIR", "must be set when STORE_IMAGES is true"},
		{c.Batch.Dir != "", "BATCH_DIR", "must be set"},
		{c.Batch.MaxImages >= 1 && c.Batch.MaxImages <= 50000, "BATCH_MAX_IMAGES", "must be between 1 and 50000"},
		{c.Batch.MaxUnzipped >= 1<<20, "BATCH_MAX_UNZIPPED_MB", "must be at least 1"},
		{c.Batch.ChunkSize >= 1 && c.Batch.ChunkSize <= 1024, "BATCH_CHUNK_SIZE", "must be between 1 and 1024"},
		{c.Batch.Lease >= time.Second, "BATCH_LEASE", "must be at least 1s"},
		{c.Batch.ReconcileInterval >= 100*time.Millisecond, "BATCH_RECONCILE_INTERVAL", "must be at least 100ms"},
		{c.Webhook.Timeout > 0, "WEBHOOK_TIMEOUT", "must be positive"},
		{c.Webhook.MaxAttempts >= 1 && c.Webhook.MaxAttempts <= 50, "WEBHOOK_MAX_ATTEMPTS", "must be between 1 and 50"},
		{c.Webhook.RetryBase > 0, "WEBHOOK_RETRY_BASE", "must be positive"},
	}
	for _, ch := range checks {
		if !ch.ok {
			return fmt.Errorf("config: %s: %s", ch.key, ch.what)
		}
	}
	if c.Database.URL != "" {
		u, err := url.Parse(c.Database.URL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return fmt.Errorf("config: DATABASE_URL: must be a postgres:// URL (or empty for the embedded SQLite)")
		}
	}
	if c.Redis.URL != "" {
		u, err := url.Parse(c.Redis.URL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			return fmt.Errorf("config: REDIS_URL: must be a redis:// or rediss:// URL (or empty for the in-process Redis)")
		}
	}
	if (c.Auth.FirstAdminEmail == "") != (c.Auth.FirstAdminPassword == "") {
		return fmt.Errorf("config: FIRST_ADMIN_PASSWORD: FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD go together")
	}
	if slices.Contains(c.CORS.Origins, "*") && c.CORS.AllowCredentials && c.IsProduction() {
		return fmt.Errorf("config: CORS_ORIGINS: origin * with CORS_ALLOW_CREDENTIALS=true is refused in production; list the origins")
	}
	if c.IsProduction() {
		for _, kv := range [][2]string{{"JWT_SECRET_KEY", c.Auth.JWTSecretKey}, {"SECRET_KEY", c.Auth.SecretKey}} {
			key, val := kv[0], kv[1]
			if val == "" || val == DevSecret {
				return fmt.Errorf("config: %s: must be set to a real secret in production", key)
			}
			if len(val) < 32 {
				return fmt.Errorf("config: %s: must be at least 32 characters in production", key)
			}
		}
	}
	return nil
}

// UsesDevSecret reports whether a built-in development secret is in use, so
// start-up can warn about it.
func (c Config) UsesDevSecret() bool {
	return c.Auth.JWTSecretKey == DevSecret || c.Auth.SecretKey == DevSecret
}

// LogValue masks secrets and the password in connection URLs so the
// configuration can be logged at start.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("environment", c.Environment),
		slog.String("version", c.Version),
		slog.String("addr", c.Addr()),
		slog.String("api_prefix", c.API.V1Prefix),
		slog.String("database", maskURL(c.Database.URL, "sqlite:"+c.Database.SQLitePath)),
		slog.String("redis", maskURL(c.Redis.URL, "in-process")),
		slog.String("jwt_secret_key", mask(c.Auth.JWTSecretKey)),
		slog.String("secret_key", mask(c.Auth.SecretKey)),
		slog.String("jwt_algorithm", c.Auth.JWTAlgorithm),
		slog.String("model_path", orDefault(c.Model.Path, "bundled")),
		slog.Int("batch_size", c.Model.BatchSize),
		slog.String("cors_origins", strings.Join(c.CORS.Origins, ",")),
		slog.Int("rate_limit_per_minute", c.RateLimitPerMinute),
		slog.Bool("worker", c.Worker.Enabled),
		slog.String("log_level", c.LogLevel.String()),
	)
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "********"
}

func maskURL(raw, empty string) string {
	if raw == "" {
		return empty
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "********"
	}
	return u.Redacted()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
