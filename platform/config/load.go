package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"github.com/subosito/gotenv"
)

// Options says where Load looks besides the environment.
type Options struct {
	// ConfigFile is a YAML file of KEY: value pairs (keys in any case).
	// When empty, configs/config.yaml is read if it exists.
	ConfigFile string
	// EnvFile is a dotenv file. When empty, .env is read if it exists.
	EnvFile string
	// Flags maps a configuration key to a command-line flag; a flag that
	// was set on the command line wins over every other source.
	Flags map[string]*pflag.Flag
}

const (
	defaultConfigFile = "configs/config.yaml"
	defaultEnvFile    = ".env"
)

// Load reads every source, converts the values and validates the result.
// The error names the offending key, e.g.
// `config: JWT_EXPIRE_MINUTES: "abc" is not an integer`.
func Load(opts Options) (Config, error) {
	v := viper.New()
	for _, s := range settings {
		v.SetDefault(strings.ToLower(s.Name), s.Default)
	}
	if err := readConfigFile(v, opts.ConfigFile); err != nil {
		return Config{}, err
	}
	if err := mergeEnvFile(v, opts.EnvFile); err != nil {
		return Config{}, err
	}
	// An exported but empty variable means "empty", not "use the default":
	// JWT_SECRET_KEY= in production must fail, not fall back.
	v.AllowEmptyEnv(true)
	v.AutomaticEnv()
	for key, f := range opts.Flags {
		if f == nil {
			continue
		}
		if err := v.BindPFlag(strings.ToLower(key), f); err != nil {
			return Config{}, fmt.Errorf("config: bind flag %s: %w", f.Name, err)
		}
	}
	cfg, err := parse(v)
	if err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}

func readConfigFile(v *viper.Viper, path string) error {
	explicit := path != ""
	if !explicit {
		path = defaultConfigFile
	}
	if _, err := os.Stat(path); err != nil {
		if explicit || !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("config: config file %s: %w", path, err)
		}
		return nil
	}
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return fmt.Errorf("config: config file %s: %w", path, err)
	}
	return nil
}

// mergeEnvFile puts the .env values into viper's config layer, above
// config.yaml and below real environment variables and flags.
func mergeEnvFile(v *viper.Viper, path string) error {
	explicit := path != ""
	if !explicit {
		path = defaultEnvFile
	}
	f, err := os.Open(path)
	if err != nil {
		if explicit || !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("config: env file %s: %w", path, err)
		}
		return nil
	}
	defer f.Close()
	env, err := gotenv.StrictParse(f)
	if err != nil {
		return fmt.Errorf("config: env file %s: %w", path, err)
	}
	m := make(map[string]any, len(env))
	for k, val := range env {
		m[strings.ToLower(k)] = val
	}
	return v.MergeConfigMap(m)
}

// parse reads every setting from viper into its field. Like a user fixing
// a file line by line, it reports the first bad value in declaration order.
func parse(v *viper.Viper) (Config, error) {
	var c Config
	fields := reflect.ValueOf(&c).Elem()
	for _, s := range settings {
		key := strings.ToLower(s.Name)
		val, err := s.decode(v.Get(key), strings.TrimSpace(v.GetString(key)))
		if err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", s.Name, err)
		}
		fields.FieldByIndex(s.index).Set(val)
	}
	return c, nil
}
