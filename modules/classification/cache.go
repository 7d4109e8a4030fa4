package classification

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
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
	Probabilities packedFloats           `json:"pb"`
}

// packedFloats is a []float32 kept as base64 of its little-endian bytes:
// parsing the probabilities as JSON numbers was most of a cache hit's CPU
// (about 50 µs of 23 floats), and the value is exact. Entries written as a
// number array by an earlier release have no "pb" and read as misses.
type packedFloats []float32

func (p packedFloats) MarshalJSON() ([]byte, error) {
	raw := make([]byte, 4*len(p))
	for i, v := range p {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return json.Marshal(raw)
}

func (p *packedFloats) UnmarshalJSON(data []byte) error {
	var raw []byte
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if len(raw)%4 != 0 {
		return errors.New("packed floats: length not a multiple of 4")
	}
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	*p = out
	return nil
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
