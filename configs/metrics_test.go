package configs

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/metrics"
	"github.com/labstack/echo/v4"
)

type metricKind int

const (
	counter metricKind = iota
	gauge
	histogram // also exposes _bucket, _sum and _count
	summary   // also exposes _sum and _count
)

type knownMetric struct {
	kind metricKind
	// foundation marks series the running binary exports today; this test
	// checks them against the real registry. The others arrive with their
	// modules, whose own metric tests assert the same names exist:
	// classification (inference, predictions, model, cache) and batch
	// (batch items and duration, queue tasks, task duration).
	foundation bool
}

// knownMetrics are the only series the alert rules and the dashboard may
// use. Keep in step with the metric names of platform/metrics and of the
// modules' metrics.go files.
var knownMetrics = map[string]knownMetric{
	"http_requests_total":           {counter, true},
	"http_request_duration_seconds": {histogram, true},
	"http_requests_in_flight":       {gauge, true},
	"aquaml_build_info":             {gauge, true},

	"aquaml_inference_duration_seconds": {histogram, false},
	"aquaml_inference_batch_size":       {histogram, false},
	"aquaml_predictions_total":          {counter, false},
	"aquaml_prediction_unknown_total":   {counter, false},
	"aquaml_model_info":                 {gauge, false},
	"aquaml_cache_hits_total":           {counter, false},
	"aquaml_cache_misses_total":         {counter, false},
	"aquaml_batch_items_total":          {counter, false},
	"aquaml_batch_duration_seconds":     {histogram, false},
	"aquaml_queue_tasks":                {gauge, false},
	"aquaml_task_duration_seconds":      {histogram, false},

	// Go runtime and process collectors, registered by platform/metrics.
	"go_goroutines":                 {gauge, true},
	"go_memstats_heap_inuse_bytes":  {gauge, true},
	"go_gc_duration_seconds":        {summary, true},
	"process_resident_memory_bytes": {gauge, true},
	"process_cpu_seconds_total":     {counter, true},

	// Written by Prometheus itself and by redis_exporter (compose profile
	// "monitoring"), not by AquaML.
	"up":       {gauge, false},
	"redis_up": {gauge, false},
}

// exported names the series a metric appears under in queries.
func exported(name string, m knownMetric) []string {
	switch m.kind {
	case histogram:
		return []string{name + "_bucket", name + "_sum", name + "_count"}
	case summary:
		return []string{name, name + "_sum", name + "_count"}
	}
	return []string{name}
}

// seriesNames maps every queryable series name to its metric.
func seriesNames() map[string]string {
	out := map[string]string{}
	for name, m := range knownMetrics {
		for _, s := range exported(name, m) {
			out[s] = name
		}
	}
	return out
}

var (
	promStrings   = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	promMatchers  = regexp.MustCompile(`\{[^{}]*\}`)
	promRanges    = regexp.MustCompile(`\[[^\[\]]*\]`)
	promGrouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promTokens    = regexp.MustCompile(`\$?[A-Za-z_:][A-Za-z0-9_:]*|[0-9][0-9A-Za-z_.]*`)
	promKeywords  = []string{"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN"}
	promFollowing = regexp.MustCompile(`^\s*\(`)
)

// promMetricNames lists the series names a PromQL expression selects:
// identifiers that are not functions, keywords, labels or numbers.
// Grafana's $variables count as placeholders, not names.
func promMetricNames(expr string) []string {
	e := promStrings.ReplaceAllString(expr, `""`)
	e = promMatchers.ReplaceAllString(e, " ")
	e = promRanges.ReplaceAllString(e, " ")
	e = promGrouping.ReplaceAllString(e, " ")
	var names []string
	for _, loc := range promTokens.FindAllStringIndex(e, -1) {
		tok := e[loc[0]:loc[1]]
		switch {
		case tok[0] == '$', tok[0] >= '0' && tok[0] <= '9', slices.Contains(promKeywords, tok):
		case promFollowing.MatchString(e[loc[1]:]): // a function call
		default:
			if !slices.Contains(names, tok) {
				names = append(names, tok)
			}
		}
	}
	return names
}

func TestPromMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`sum by (route) (rate(http_requests_total{status=~"5..", route!~"/ready|/health.*"}[5m]))`:              {"http_requests_total"},
		`histogram_quantile(0.95, sum by (le) (rate(x_seconds_bucket{job="a"}[$__rate_interval])))`:             {"x_seconds_bucket"},
		`a / on (job) group_left (version) b{v="{x}"} > 0.5`:                                                    {"a", "b"},
		`absent(up{job="aquaml-api"} == 1)`:                                                                     {"up"},
		`max by (queue) (q{state="pending"}) > 100 and max by (queue) (deriv(q[15m])) > 0 unless z offset 1h`:   {"q", "z"},
		`sum(rate(hits[5m])) / (sum(rate(hits[5m])) + sum(rate(misses[5m]))) * 1e2`:                             {"hits", "misses"},
		`sum without (instance) (go_goroutines{job=~"$job"})`:                                                   {"go_goroutines"},
		`label_replace(m, "dst", "$1", "src", "(.*)")`:                                                          {"m"},
		`rate(requests_total[5m:1m])`:                                                                           {"requests_total"},
		`sum by (le) (rate(http_request_duration_seconds_bucket{method="POST", route=~".*/classify"}[5m])) > 0`: {"http_request_duration_seconds_bucket"},
	} {
		if got := promMetricNames(expr); !slices.Equal(got, want) {
			t.Errorf("%s\n got %q\nwant %q", expr, got, want)
		}
	}
}

// assertKnownSeries fails for every series of expr that AquaML, Prometheus
// or the exporters do not produce, and for an expression naming none.
func assertKnownSeries(t *testing.T, where, expr string) []string {
	t.Helper()
	known := seriesNames()
	names := promMetricNames(expr)
	if len(names) == 0 {
		t.Errorf("%s: no metric found in %q", where, expr)
	}
	var metricsUsed []string
	for _, n := range names {
		m, ok := known[n]
		if !ok {
			t.Errorf("%s: %s is not a known metric (see knownMetrics)", where, n)
			continue
		}
		metricsUsed = append(metricsUsed, m)
	}
	return metricsUsed
}

// TestFoundationMetricsExist serves one request through the real metrics
// middleware and checks that every series marked foundation is exported.
func TestFoundationMetricsExist(t *testing.T) {
	m := metrics.New("test", "test")
	e := echo.New()
	e.Use(m.Middleware())
	e.GET("/live", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/live", nil))

	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, f := range families {
		have = append(have, f.GetName())
	}
	for name, km := range knownMetrics {
		if km.foundation && !slices.Contains(have, name) {
			t.Errorf("%s is not exported by platform/metrics (have %s)", name, strings.Join(have, ", "))
		}
	}
}
