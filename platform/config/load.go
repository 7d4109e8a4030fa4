package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

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
	for _, k := range Keys {
		v.SetDefault(strings.ToLower(k.Name), k.Default)
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

// reader converts raw values, keeping the first error so parse reads as a
// plain list of fields.
type reader struct {
	v   *viper.Viper
	err error
}

func (r *reader) fail(key, raw, what string) {
	if r.err == nil {
		r.err = fmt.Errorf("config: %s: %q %s", key, raw, what)
	}
}

func (r *reader) str(key string) string {
	return strings.TrimSpace(r.v.GetString(strings.ToLower(key)))
}

func (r *reader) int(key string) int {
	raw := r.str(key)
	n, err := strconv.Atoi(raw)
	if err != nil {
		r.fail(key, raw, "is not an integer")
	}
	return n
}

func (r *reader) bool(key string) bool {
	raw := r.str(key)
	b, err := strconv.ParseBool(strings.ToLower(raw))
	if err != nil {
		r.fail(key, raw, "is not a boolean (true/false)")
	}
	return b
}

// duration accepts Go durations ("30s", "2m") and bare numbers of seconds.
func (r *reader) duration(key string) time.Duration {
	raw := r.str(key)
	if n, err := strconv.ParseFloat(raw, 64); err == nil {
		return time.Duration(n * float64(time.Second))
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		r.fail(key, raw, "is not a duration (e.g. 30s)")
	}
	return d
}

// list accepts a JSON list, a comma-separated string or a YAML sequence.
func (r *reader) list(key string) []string {
	if items, ok := r.v.Get(strings.ToLower(key)).([]any); ok {
		out := make([]string, 0, len(items))
		for _, it := range items {
			out = append(out, strings.TrimSpace(fmt.Sprint(it)))
		}
		return out
	}
	raw := r.str(key)
	if strings.HasPrefix(raw, "[") {
		var out []string
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			r.fail(key, raw, "is not a JSON list of strings")
		}
		return out
	}
	var out []string
	for _, part := range strings.Split(raw, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cidrs reads a list of networks; a bare IP means that one address.
func (r *reader) cidrs(key string) []*net.IPNet {
	var out []*net.IPNet
	for _, item := range r.list(key) {
		if !strings.Contains(item, "/") {
			if ip := net.ParseIP(item); ip != nil {
				bits := 32
				if ip.To4() == nil {
					bits = 128
				}
				item = fmt.Sprintf("%s/%d", item, bits)
			}
		}
		_, n, err := net.ParseCIDR(item)
		if err != nil {
			r.fail(key, item, "is not an IP address or CIDR range")
			continue
		}
		out = append(out, n)
	}
	return out
}

func (r *reader) level(key string) slog.Level {
	raw := r.str(key)
	switch strings.ToUpper(raw) {
	case "DEBUG":
		return slog.LevelDebug
	case "INFO", "":
		return slog.LevelInfo
	case "WARNING", "WARN":
		return slog.LevelWarn
	case "ERROR", "CRITICAL":
		return slog.LevelError
	}
	r.fail(key, raw, "is not a log level (DEBUG, INFO, WARNING, ERROR)")
	return slog.LevelInfo
}

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
