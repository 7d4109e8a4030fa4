package app

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/keyfile"
)

// withSecrets fills the secrets the configuration leaves empty with random
// ones made at first start and kept under DATA_DIR/secrets, so that no
// secret anybody can read in the source ever signs a token, and tokens
// stay valid across restarts. Every process of a deployment shares them
// through DATA_DIR (the Compose volume), or has them configured.
func withSecrets(cfg config.Config, log *slog.Logger) (config.Config, error) {
	dir := filepath.Join(cfg.DataDir, "secrets")
	for _, s := range []struct {
		key, file string
		value     *string
	}{
		{"JWT_SECRET_KEY", "jwt_secret_key", &cfg.Auth.JWTSecretKey},
		{"SECRET_KEY", "secret_key", &cfg.Auth.SecretKey},
	} {
		if *s.value != "" {
			continue
		}
		v, created, err := keyfile.Load(dir, s.file)
		if err != nil {
			return cfg, fmt.Errorf("%s is not set and no generated one could be kept: %w", s.key, err)
		}
		*s.value = v
		if created {
			log.Info("generated a random secret, as none was configured; every process of this deployment must share DATA_DIR, or set it",
				"key", s.key, "file", filepath.Join(dir, s.file))
		}
	}
	return cfg, nil
}
