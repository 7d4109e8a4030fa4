package classification

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/redis/rueidis"
)

// Every process keeps a short-lived Redis key saying which models it
// serves and which it could not load, so a load or an activation can wait
// until every API process and worker serves the model, and tell which
// process failed and why.
const (
	presencePrefix   = "aquaml:models:process:"
	presenceInterval = 5 * time.Second
	presenceTTL      = 3 * presenceInterval
)

// processState is one process's presence.
type processState struct {
	ID      string                 `json:"id"`
	Loaded  []string               `json:"loaded"`
	Default string                 `json:"default"`
	Failed  map[string]loadFailure `json:"failed,omitempty"`
	At      time.Time              `json:"at"`
}

// loadFailure is why a process could not load a model, at its last try.
type loadFailure struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

type presence struct {
	client rueidis.Client
	id     string
	log    *slog.Logger
}

func newPresence(client rueidis.Client, log *slog.Logger) *presence {
	host, _ := os.Hostname()
	var b [3]byte
	_, _ = rand.Read(b[:])
	return &presence{client: client, log: log, id: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))}
}

// publish records what set serves. A Redis outage only delays waiting
// loads: it is logged at debug and retried at the next beat.
func (p *presence) publish(ctx context.Context, set *servingSet) {
	st := processState{ID: p.id, Loaded: []string{}, At: time.Now().UTC()}
	if set != nil {
		for id := range set.byID {
			st.Loaded = append(st.Loaded, id)
		}
		slices.Sort(st.Loaded)
		if set.def != nil {
			st.Default = set.def.record.ID
		}
		st.Failed = set.failed
	}
	raw, _ := json.Marshal(st)
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	cmd := p.client.B().Set().Key(presencePrefix + p.id).Value(rueidis.BinaryString(raw)).Px(presenceTTL).Build()
	if err := p.client.Do(ctx, cmd).Error(); err != nil {
		p.log.Debug("publishing the served models failed", "error", err)
	}
}

// leave removes this process's presence (at shutdown), so waiting loads
// stop counting it at once.
func (p *presence) leave(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_ = p.client.Do(ctx, p.client.B().Del().Key(presencePrefix+p.id).Build()).Error()
}

// processes reads the presence of every live process.
func (p *presence) processes(ctx context.Context) ([]processState, error) {
	var keys []string
	cursor := uint64(0)
	for {
		e, err := p.client.Do(ctx, p.client.B().Scan().Cursor(cursor).Match(presencePrefix+"*").Count(100).Build()).AsScanEntry()
		if err != nil {
			return nil, err
		}
		keys = append(keys, e.Elements...)
		if cursor = e.Cursor; cursor == 0 {
			break
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	vals, err := p.client.Do(ctx, p.client.B().Mget().Key(keys...).Build()).AsStrSlice()
	if err != nil && !rueidis.IsRedisNil(err) {
		return nil, err
	}
	out := make([]processState, 0, len(vals))
	for _, v := range vals {
		var st processState
		if v != "" && json.Unmarshal([]byte(v), &st) == nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// rollout is how far a model has reached across the processes.
type rollout struct {
	Processes int               `json:"processes"`
	Loaded    int               `json:"loaded"`
	Failed    map[string]string `json:"failed,omitempty"` // process id: why
}

func (r rollout) complete() bool { return r.Loaded == r.Processes && len(r.Failed) == 0 }

// rolloutOf counts the processes serving id, and those that failed to
// load it since a moment (an older failure may since be mended).
func rolloutOf(states []processState, id string, since time.Time) rollout {
	r := rollout{Processes: len(states)}
	for _, st := range states {
		f, failed := st.Failed[id]
		switch {
		case slices.Contains(st.Loaded, id):
			r.Loaded++
		case failed && !f.At.Before(since):
			if r.Failed == nil {
				r.Failed = map[string]string{}
			}
			r.Failed[st.ID] = f.Reason
		}
	}
	return r
}

// await waits until every live process serves id or one fails to load
// it, or wait passes. It answers with the last rollout seen; a Redis that
// cannot be read counts as this process alone, which serves it.
func (p *presence) await(ctx context.Context, id string, since time.Time, wait time.Duration) rollout {
	deadline := time.Now().Add(wait)
	for {
		states, err := p.processes(ctx)
		if err != nil || len(states) == 0 {
			return rollout{Processes: 1, Loaded: 1}
		}
		r := rolloutOf(states, id, since)
		if r.complete() || len(r.Failed) > 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return r
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}
