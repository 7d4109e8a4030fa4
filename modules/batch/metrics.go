package batch

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	items    *prometheus.CounterVec
	batches  *prometheus.CounterVec
	duration prometheus.Histogram
	tasks    *prometheus.HistogramVec
	webhooks *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, insp *asynq.Inspector) (*metrics, error) {
	m := &metrics{
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aquaml_batch_items_total",
			Help: "Batch photos that reached a final status (done, failed, skipped), counted once each by the process that wrote it.",
		}, []string{"status"}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aquaml_batches_total",
			Help: "Batches that ended, by final status.",
		}, []string{"status"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "aquaml_batch_duration_seconds",
			Help:    "Time from a batch's upload to its end.",
			Buckets: []float64{.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
		}),
		tasks: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aquaml_task_duration_seconds",
			Help:    "Time a worker spends on one queue task, by task type and outcome (ok or error).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"task", "outcome"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aquaml_batch_webhooks_total",
			Help: "Webhook attempts by outcome: delivered, retried, failed (gave up).",
		}, []string{"outcome"}),
	}
	for _, s := range []string{itemDone, itemFailed, itemSkipped} {
		m.items.WithLabelValues(s)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.items, m.batches, m.duration, m.tasks, m.webhooks, newQueueCollector(insp)} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// timed records how long each task takes.
func (m *metrics) timed(task string, next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		start := time.Now()
		err := next.ProcessTask(ctx, t)
		outcome := "ok"
		if err != nil {
			outcome = "error"
		}
		m.tasks.WithLabelValues(task, outcome).Observe(time.Since(start).Seconds())
		return err
	})
}

// queueCollector reports the depth of every queue per task state, read
// from Redis when scraped. Snapshots are cached briefly so several
// scrapers (or a fast one) cost Redis little.
type queueCollector struct {
	insp *asynq.Inspector
	desc *prometheus.Desc

	mu    sync.Mutex
	at    time.Time
	cache []prometheus.Metric
}

const queueCacheTTL = 5 * time.Second

func newQueueCollector(insp *asynq.Inspector) *queueCollector {
	return &queueCollector{insp: insp, desc: prometheus.NewDesc("aquaml_queue_tasks",
		"Queue tasks by queue and state (pending, active, scheduled, retry, archived, completed, aggregating).",
		[]string{"queue", "state"}, nil)}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > queueCacheTTL {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		infos, err := queueInfos(ctx, c.insp)
		cancel()
		c.at = time.Now()
		c.cache = nil
		if err == nil {
			for _, q := range infos {
				for state, n := range map[string]int{"pending": q.Pending, "active": q.Active, "scheduled": q.Scheduled,
					"retry": q.Retry, "archived": q.Archived, "completed": q.Completed, "aggregating": q.Aggregating} {
					c.cache = append(c.cache, prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), q.Queue, state))
				}
			}
		}
	}
	for _, mt := range c.cache {
		ch <- mt
	}
}

// queueInfos reads every known queue, plus this module's queues even
// before their first task. The inspector takes no context, so the call
// is bounded here: a hung Redis cannot hang a scrape or a request.
func queueInfos(ctx context.Context, insp *asynq.Inspector) ([]*asynq.QueueInfo, error) {
	type result struct {
		infos []*asynq.QueueInfo
		err   error
	}
	ch := make(chan result, 1)
	go func() {
		names, err := insp.Queues()
		if err != nil {
			ch <- result{err: err}
			return
		}
		var out []*asynq.QueueInfo
		seen := map[string]bool{}
		for _, n := range names {
			info, err := insp.GetQueueInfo(n)
			if err != nil {
				ch <- result{err: err}
				return
			}
			seen[n] = true
			out = append(out, info)
		}
		// This module's queues are listed before their first task, empty.
		for n := range Queues() {
			if !seen[n] {
				out = append(out, &asynq.QueueInfo{Queue: n, Timestamp: time.Now()})
			}
		}
		slices.SortFunc(out, func(a, b *asynq.QueueInfo) int { return strings.Compare(a.Queue, b.Queue) })
		ch <- result{infos: out}
	}()
	select {
	case r := <-ch:
		return r.infos, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
