package classification

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

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

// cachedAnswer is what the cache keeps of a classification.
type cachedAnswer struct {
	Predictions []predictionJSON `json:"p"`
	Unknown     bool             `json:"u"`
	Image       imageJSON        `json:"i"`
}

func cacheKey(modelID string, topK int, sha string) string {
	return "aquaml:classify:" + modelID + ":" + strconv.Itoa(topK) + ":" + sha
}

func (c *cache) get(ctx context.Context, key string) (cachedAnswer, bool) {
	var a cachedAnswer
	if c.ttl <= 0 {
		return a, false
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	raw, err := c.client.Do(ctx, c.client.B().Get().Key(key).Build()).AsBytes()
	switch {
	case rueidis.IsRedisNil(err):
		c.metrics.cacheMisses.Inc()
		return a, false
	case err != nil:
		c.metrics.cacheErrors.Inc()
		c.log.Warn("result cache unavailable", "error", err)
		return a, false
	}
	if json.Unmarshal(raw, &a) != nil {
		c.metrics.cacheMisses.Inc()
		return a, false
	}
	c.metrics.cacheHits.Inc()
	return a, true
}

func (c *cache) put(ctx context.Context, key string, a cachedAnswer) {
	if c.ttl <= 0 {
		return
	}
	raw, err := json.Marshal(a)
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
