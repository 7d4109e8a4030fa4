package classification

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/imageio"
	"github.com/redis/rueidis"
)

// cache answers repeated photos (same bytes, same model, same top_k) from
// Redis. It is an optimisation only: any Redis failure is logged and
// counted, and the request goes on without it.
type cache struct {
	client  rueidis.Client
	ttl     time.Duration
	log     *slog.Logger
	metrics *metrics
}

// redisTimeout bounds each cache call so a Redis outage costs a request
// at most this much.
const redisTimeout = 150 * time.Millisecond

// cachedResult is what the cache keeps of a classification: the engine's
// whole result, so every caller can be answered from it.
type cachedResult struct {
	Predictions   []inference.Prediction `json:"p"`
	Unknown       bool                   `json:"u"`
	Image         imageio.Info           `json:"i"`
	Probabilities []float32              `json:"pr"`
}

func cacheKey(modelID string, topK int, sha string) string {
	return "aquaml:classify:" + modelID + ":" + strconv.Itoa(topK) + ":" + sha
}

func (c *cache) get(ctx context.Context, key string) (inference.Result, bool) {
	var a cachedResult
	if c.ttl <= 0 {
		return inference.Result{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	raw, err := c.client.Do(ctx, c.client.B().Get().Key(key).Build()).AsBytes()
	switch {
	case rueidis.IsRedisNil(err):
		c.metrics.cacheMisses.Inc()
		return inference.Result{}, false
	case err != nil:
		c.metrics.cacheErrors.Inc()
		c.log.Warn("result cache unavailable", "error", err)
		return inference.Result{}, false
	}
	// An entry without probabilities (written by an older release) cannot
	// answer every caller: a miss.
	if json.Unmarshal(raw, &a) != nil || len(a.Predictions) == 0 || len(a.Probabilities) == 0 {
		c.metrics.cacheMisses.Inc()
		return inference.Result{}, false
	}
	c.metrics.cacheHits.Inc()
	return inference.Result{Predictions: a.Predictions, Unknown: a.Unknown, Image: a.Image, Probabilities: a.Probabilities}, true
}

func (c *cache) put(ctx context.Context, key string, r inference.Result) {
	if c.ttl <= 0 {
		return
	}
	raw, err := json.Marshal(cachedResult{Predictions: r.Predictions, Unknown: r.Unknown, Image: r.Image, Probabilities: r.Probabilities})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	if err := c.client.Do(ctx, c.client.B().Set().Key(key).Value(rueidis.BinaryString(raw)).Px(c.ttl).Build()).Error(); err != nil {
		c.metrics.cacheErrors.Inc()
		c.log.Warn("result cache write failed", "error", err)
	}
}
