package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"slices"
	"strings"
)

// Validate checks each setting's own rule (its tags), then the rules that
// relate settings or that production imposes. Each failure is one line
// naming the key, so an operator sees at once what to fix.
func (c Config) Validate() error {
	fields := reflect.ValueOf(c)
	for _, s := range settings {
		if !s.valid(fields.FieldByIndex(s.index)) {
			return fmt.Errorf("config: %s: %s", s.Name, s.fail)
		}
	}
	if c.IsProduction() {
		// The embedded stores serve this one process: a second replica or
		// a worker would see other users, other sessions and no queue.
		if c.Database.URL == "" {
			return fmt.Errorf("config: DATABASE_URL: must be set in production; the embedded SQLite serves one process only")
		}
		if c.Redis.URL == "" {
			return fmt.Errorf("config: REDIS_URL: must be set in production; the in-process Redis keeps nothing and no worker can reach it, so batches would never run")
		}
	}
	if c.Database.URL == "" && c.Database.SQLitePath == "" {
		return fmt.Errorf("config: SQLITE_PATH: must be set when DATABASE_URL is empty")
	}
	if c.Classify.StoreImages && c.Classify.ImageDir == "" {
		return fmt.Errorf("config: IMAGE_DIR: must be set when STORE_IMAGES is true")
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
	for _, kv := range [][2]string{{"JWT_SECRET_KEY", c.Auth.JWTSecretKey}, {"SECRET_KEY", c.Auth.SecretKey}} {
		key, val := kv[0], kv[1]
		switch {
		case val == publishedSecret:
			return fmt.Errorf("config: %s: is the development secret published with earlier versions, which anyone can sign with; "+
				"remove it (a random one is generated and kept in DATA_DIR) or set your own", key)
		case val != "" && len(val) < 32 && c.IsProduction():
			return fmt.Errorf("config: %s: must be at least 32 characters in production", key)
		}
	}
	return nil
}

// publishedSecret is the signing secret earlier versions used when none was
// configured. It is refused: everyone can read it.
const publishedSecret = "aquaml-development-secret-change-me"

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
