package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// units multiply the integer a user writes for a setting with a unit tag:
// settings keep the Python design's names (BODY_LIMIT_MB, BATCH_WAIT_MS),
// fields keep Go's units (bytes, time.Duration).
var units = map[string]int64{
	"MB":  1 << 20,
	"ms":  int64(time.Millisecond),
	"min": int64(time.Minute),
	"day": int64(24 * time.Hour),
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	levelType    = reflect.TypeFor[slog.Level]()
	listType     = reflect.TypeFor[[]string]()
	networksType = reflect.TypeFor[[]*net.IPNet]()
)

// badValue is a value that does not parse; Load puts the key in front.
type badValue struct{ raw, what string }

func (e *badValue) Error() string { return fmt.Sprintf("%q %s", e.raw, e.what) }

// decode converts a raw value to the setting's field type. raw is what
// viper holds (a YAML sequence stays a []any); str is it as trimmed text.
func (s setting) decode(raw any, str string) (reflect.Value, error) {
	var v any
	var err error
	switch k := s.typ.Kind(); {
	case s.typ == levelType:
		v, err = parseLevel(str)
	case s.typ == listType:
		v, err = parseList(raw, str)
	case s.typ == networksType:
		v, err = parseNetworks(raw, str)
	case s.typ == durationType && s.unit == "":
		v, err = parseDuration(str)
	case k == reflect.Int || k == reflect.Int64:
		v, err = parseInt(str, s.unit)
	case k == reflect.Bool:
		v, err = parseBool(str)
	case k == reflect.String:
		v, err = normalize(str, s.norm)
	default:
		panic(fmt.Sprintf("config: %s: no reader for %s", s.Name, s.typ))
	}
	if err != nil {
		return reflect.Value{}, err
	}
	return reflect.ValueOf(v).Convert(s.typ), nil
}

// parseInt reads an integer in the setting's unit, if it has one.
func parseInt(str, unit string) (int64, error) {
	n, err := strconv.Atoi(str)
	if err != nil {
		return 0, &badValue{str, "is not an integer"}
	}
	if m, ok := units[unit]; ok {
		return int64(n) * m, nil
	}
	return int64(n), nil
}

func parseBool(str string) (bool, error) {
	b, err := strconv.ParseBool(strings.ToLower(str))
	if err != nil {
		return false, &badValue{str, "is not a boolean (true/false)"}
	}
	return b, nil
}

// parseDuration accepts Go durations ("30s", "2m") and bare numbers of
// seconds.
func parseDuration(str string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(str, 64); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(str)
	if err != nil {
		return 0, &badValue{str, "is not a duration (e.g. 30s)"}
	}
	return d, nil
}

// normalize applies a norm tag, so that "Production" and "hs256" are
// accepted and "api/v1/" serves under /api/v1.
func normalize(str, norm string) (string, error) {
	switch norm {
	case "":
		return str, nil
	case "lower":
		return strings.ToLower(str), nil
	case "upper":
		return strings.ToUpper(str), nil
	case "path":
		return "/" + strings.Trim(str, "/"), nil
	}
	panic(fmt.Sprintf("config: unknown norm %q", norm))
}

// parseList accepts a JSON list, a comma-separated string or a YAML
// sequence.
func parseList(raw any, str string) ([]string, error) {
	if items, ok := raw.([]any); ok {
		out := make([]string, 0, len(items))
		for _, it := range items {
			out = append(out, strings.TrimSpace(fmt.Sprint(it)))
		}
		return out, nil
	}
	if strings.HasPrefix(str, "[") {
		var out []string
		if err := json.Unmarshal([]byte(str), &out); err != nil {
			return nil, &badValue{str, "is not a JSON list of strings"}
		}
		return out, nil
	}
	var out []string
	for _, part := range strings.Split(str, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

// parseNetworks reads a list of networks; a bare IP means that one
// address.
func parseNetworks(raw any, str string) ([]*net.IPNet, error) {
	items, err := parseList(raw, str)
	if err != nil {
		return nil, err
	}
	var out []*net.IPNet
	for _, item := range items {
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
			return nil, &badValue{item, "is not an IP address or CIDR range"}
		}
		out = append(out, n)
	}
	return out, nil
}

func parseLevel(str string) (slog.Level, error) {
	switch strings.ToUpper(str) {
	case "DEBUG":
		return slog.LevelDebug, nil
	case "INFO", "":
		return slog.LevelInfo, nil
	case "WARNING", "WARN":
		return slog.LevelWarn, nil
	case "ERROR", "CRITICAL":
		return slog.LevelError, nil
	}
	return slog.LevelInfo, &badValue{str, "is not a log level (DEBUG, INFO, WARNING, ERROR)"}
}

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
