package classification

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	duration    prometheus.Histogram
	batchSize   prometheus.Histogram
	predictions *prometheus.CounterVec
	unknown     prometheus.Counter
	modelInfo   *prometheus.GaugeVec
	cacheHits   prometheus.Counter
	cacheMisses prometheus.Counter
	cacheErrors prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aquaml_inference_duration_seconds",
			Help:    "Time the network takes for one batch.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aquaml_inference_batch_size",
			Help:    "Images per batch the engine runs.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		predictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aquaml_predictions_total",
			Help: "Classifications answered, by model version and top-1 label.",
		}, []string{"model_version", "label"}),
		unknown: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aquaml_prediction_unknown_total",
			Help: "Classifications flagged unknown (below the open-set threshold).",
		}),
		modelInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aquaml_model_info",
			Help: "The model in service: 1 for its name and version.",
		}, []string{"name", "version"}),
		cacheHits:   prometheus.NewCounter(prometheus.CounterOpts{Name: "aquaml_cache_hits_total", Help: "Classifications answered from the result cache."}),
		cacheMisses: prometheus.NewCounter(prometheus.CounterOpts{Name: "aquaml_cache_misses_total", Help: "Classifications not in the result cache."}),
		cacheErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "aquaml_cache_errors_total", Help: "Result cache reads or writes that failed (Redis down); the request went on without it."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.duration, m.batchSize, m.predictions, m.unknown, m.modelInfo, m.cacheHits, m.cacheMisses, m.cacheErrors} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) observeBatch(size int, d time.Duration) {
	m.batchSize.Observe(float64(size))
	m.duration.Observe(d.Seconds())
}

func (m *metrics) setModel(name, version string) {
	m.modelInfo.Reset()
	m.modelInfo.WithLabelValues(name, version).Set(1)
}

func (m *metrics) observePrediction(version, label string, unknown bool) {
	m.predictions.WithLabelValues(version, label).Inc()
	if unknown {
		m.unknown.Inc()
	}
}
