package classification

import (
	"strconv"
	"time"

	"github.com/aquaml/aquaml/platform/inference"
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	duration    *prometheus.HistogramVec
	batchSize   *prometheus.HistogramVec
	predictions *prometheus.CounterVec
	unknown     *prometheus.CounterVec
	modelInfo   *prometheus.GaugeVec
	cacheHits   prometheus.Counter
	cacheMisses prometheus.Counter
	cacheErrors prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aquaml_inference_duration_seconds",
			Help:    "Time the network takes for one batch, by model.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"model", "model_version"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aquaml_inference_batch_size",
			Help:    "Images per batch the engine runs, by model.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}, []string{"model", "model_version"}),
		predictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aquaml_predictions_total",
			Help: "Classifications answered, by model, model version and top-1 label.",
		}, []string{"model", "model_version", "label"}),
		unknown: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aquaml_prediction_unknown_total",
			Help: "Classifications flagged unknown (below the open-set threshold), by model.",
		}, []string{"model", "model_version"}),
		modelInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aquaml_model_info",
			Help: "The models served by this process: 1 for each name and version; default is true for the deployment's default.",
		}, []string{"name", "version", "default"}),
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

func (m *metrics) observeBatch(model, version string, size int, d time.Duration) {
	m.batchSize.WithLabelValues(model, version).Observe(float64(size))
	m.duration.WithLabelValues(model, version).Observe(d.Seconds())
}

// setModels shows the models a process serves.
func (m *metrics) setModels(set *servingSet) {
	m.modelInfo.Reset()
	for _, l := range set.byID {
		m.modelInfo.WithLabelValues(l.record.Name, l.record.Version, strconv.FormatBool(l == set.def)).Set(1)
	}
}

func (m *metrics) observePrediction(ref inference.ModelRef, label string, unknown bool) {
	m.predictions.WithLabelValues(ref.Name, ref.Version, label).Inc()
	if unknown {
		m.unknown.WithLabelValues(ref.Name, ref.Version).Inc()
	}
}
