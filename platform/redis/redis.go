// Package redis connects to the Redis server named by REDIS_URL, or starts
// an in-process one (miniredis) when none is configured, so the binary runs
// with no set-up. Rate limits, token denylists, caches and the job queue
// all live here.
package redis

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/rueidis"
)

// Options selects the server.
type Options struct {
	URL      string // empty: in-process Redis
	PoolSize int
	Logger   *slog.Logger
}

// Redis is a connected client and, when embedded, the server it talks to.
type Redis struct {
	Client rueidis.Client
	// Addr, Password, Username and DB describe the server for other
	// clients of the same Redis (the job queue uses its own driver).
	Addr     string
	Username string
	Password string
	DB       int
	TLS      *tls.Config

	embedded  *miniredis.Miniredis
	stopClock func()
}

// Open connects. A server that is down at start is not fatal: the client
// keeps reconnecting, health reports the outage and features degrade.
func Open(opts Options) (*Redis, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	r := &Redis{}
	if opts.URL == "" {
		mr := miniredis.NewMiniRedis()
		if err := mr.Start(); err != nil {
			return nil, fmt.Errorf("redis: start in-process server: %w", err)
		}
		r.embedded, r.Addr = mr, mr.Addr()
		r.stopClock = runClock(mr)
		log.Warn("REDIS_URL is not set: using an in-process Redis that keeps nothing across restarts and cannot be shared between replicas")
	} else if err := r.parseURL(opts.URL); err != nil {
		return nil, err
	}
	client, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress: []string{r.Addr},
		Username:    r.Username,
		Password:    r.Password,
		SelectDB:    r.DB,
		TLSConfig:   r.TLS,
		// Client-side caching needs RESP3 tracking, which miniredis lacks;
		// our reads are cheap enough without it.
		DisableCache:      true,
		ForceSingleClient: true,
		BlockingPoolSize:  max(opts.PoolSize, 1),
		Dialer:            net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second},
		ConnWriteTimeout:  5 * time.Second,
	})
	if client == nil {
		r.closeEmbedded()
		return nil, fmt.Errorf("redis: %w", err)
	}
	if err != nil {
		log.Warn("redis is not reachable yet; continuing and retrying in the background", "addr", r.Addr, "error", err)
	}
	r.Client = client
	return r, nil
}

func (r *Redis) parseURL(raw string) error {
	opt, err := rueidis.ParseURL(raw)
	if err != nil {
		return fmt.Errorf("redis: REDIS_URL: %w", err)
	}
	r.Addr = opt.InitAddress[0]
	r.Username, r.Password, r.DB = opt.Username, opt.Password, opt.SelectDB
	r.TLS = opt.TLSConfig
	return nil
}

// Embedded reports whether this is the in-process server.
func (r *Redis) Embedded() bool { return r.embedded != nil }

// Ping measures a round trip.
func (r *Redis) Ping(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	err := r.Client.Do(ctx, r.Client.B().Ping().Build()).Error()
	return time.Since(start), err
}

// Close closes the client and, if embedded, stops the server.
func (r *Redis) Close() error {
	if r.Client != nil {
		r.Client.Close()
	}
	r.closeEmbedded()
	return nil
}

func (r *Redis) closeEmbedded() {
	if r.embedded != nil {
		r.stopClock()
		r.embedded.Close()
	}
}

// runClock makes the in-process server expire keys as time passes:
// miniredis, built for tests, only ages TTLs when told to, so without this
// every key with a TTL (rate-limit windows, revoked tokens, caches) would
// live until restart.
func runClock(mr *miniredis.Miniredis) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				mr.SetTime(now)
				mr.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	return func() { close(done) }
}
