// Package queue hosts the Asynq client, server and inspector over the
// process's Redis. It knows no task types: modules register their handlers
// on the ServeMux and enqueue through the Client.
package queue

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// Options configures the queue.
type Options struct {
	Addr, Username, Password string
	DB                       int
	TLS                      *tls.Config
	Concurrency              int
	// Queues maps queue name to priority weight; empty means {"default": 1}.
	Queues map[string]int
	// Dedicated queues are consumed apart from Queues, each by its own
	// consumer taking this many tasks at once (training jobs, one at a
	// time, without taking a slot from the others).
	Dedicated       map[string]int
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
}

// Queue is the producer side plus, once started, the consumer side.
type Queue struct {
	opts      Options
	conn      asynq.RedisClientOpt
	Client    *asynq.Client
	Inspector *asynq.Inspector
	Mux       *asynq.ServeMux
	server    *asynq.Server
	dedicated []*asynq.Server
}

// New connects the client and inspector. Handlers go on Mux before Start.
func New(opts Options) *Queue {
	if len(opts.Queues) == 0 {
		opts.Queues = map[string]int{"default": 1}
	}
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 20 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	conn := asynq.RedisClientOpt{
		Addr: opts.Addr, Username: opts.Username, Password: opts.Password, DB: opts.DB, TLSConfig: opts.TLS,
		DialTimeout: 2 * time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second,
	}
	return &Queue{
		opts:      opts,
		conn:      conn,
		Client:    asynq.NewClient(conn),
		Inspector: asynq.NewInspector(conn),
		Mux:       asynq.NewServeMux(),
	}
}

// Start runs the consumers in the background.
func (q *Queue) Start() error {
	q.server = q.newServer(q.opts.Concurrency, q.opts.Queues)
	if err := q.server.Start(q.Mux); err != nil {
		return fmt.Errorf("queue: start worker: %w", err)
	}
	for name, n := range q.opts.Dedicated {
		s := q.newServer(max(n, 1), map[string]int{name: 1})
		if err := s.Start(q.Mux); err != nil {
			return fmt.Errorf("queue: start the %s worker: %w", name, err)
		}
		q.dedicated = append(q.dedicated, s)
	}
	return nil
}

func (q *Queue) newServer(concurrency int, queues map[string]int) *asynq.Server {
	return asynq.NewServer(q.conn, asynq.Config{
		Concurrency: concurrency,
		Queues:      queues,
		// The default 1 s poll makes a small batch wait a second before
		// it starts; a quarter second costs Redis little.
		TaskCheckInterval:        250 * time.Millisecond,
		DelayedTaskCheckInterval: time.Second,
		ShutdownTimeout:          q.opts.ShutdownTimeout,
		HealthCheckInterval:      15 * time.Second,
		IsFailure:                isFailure,
		Logger:                   slogAdapter{q.opts.Logger},
		LogLevel:                 asynq.WarnLevel,
	})
}

// isFailure decides what counts in a queue's failed-today figure. A task
// whose worker was killed comes back with ErrLeaseExpired: it is retried
// like any failure but is not counted as one, so a crashed or evicted
// worker does not look like tasks failing (its work is taken over).
func isFailure(err error) bool {
	return err != nil && !errors.Is(err, asynq.ErrLeaseExpired)
}

// Running reports whether this process consumes tasks.
func (q *Queue) Running() bool { return q.server != nil }

// Stop stops fetching new tasks and waits up to the shutdown timeout for
// running ones; tasks still running then go back to the queue.
func (q *Queue) Stop() {
	if q.server != nil {
		q.server.Shutdown()
		q.server = nil
	}
	for _, s := range q.dedicated {
		s.Shutdown()
	}
	q.dedicated = nil
}

// Close stops the consumers and closes the producer connections.
func (q *Queue) Close() error {
	q.Stop()
	q.Inspector.Close()
	return q.Client.Close()
}

// WorkersSeen counts worker processes whose heartbeat has not expired
// (asynq renews it every few seconds), across every replica sharing this
// Redis.
func (q *Queue) WorkersSeen(ctx context.Context) (int, error) {
	type result struct {
		n   int
		err error
	}
	ch := make(chan result, 1)
	// The inspector takes no context; bound it here so a hung Redis
	// cannot hang a health check.
	go func() {
		servers, err := q.Inspector.Servers()
		// A worker runs one consumer per dedicated queue beside its main
		// one: count only the main ones.
		n := 0
		for _, s := range servers {
			if !q.dedicatedOnly(s.Queues) {
				n++
			}
		}
		ch <- result{n, err}
	}()
	select {
	case r := <-ch:
		return r.n, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// dedicatedOnly reports whether a consumer takes only a dedicated queue.
func (q *Queue) dedicatedOnly(queues map[string]int) bool {
	if len(queues) != 1 {
		return false
	}
	for name := range queues {
		_, ok := q.opts.Dedicated[name]
		return ok
	}
	return false
}

type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "queue") }
func (a slogAdapter) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "queue") }
func (a slogAdapter) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "queue") }
func (a slogAdapter) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "queue") }
func (a slogAdapter) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...), "component", "queue", "fatal", true)
}
