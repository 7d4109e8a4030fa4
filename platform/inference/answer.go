package inference

import "time"

// Request asks the classification service for one answer. Every path that
// classifies (the REST API, the Open Inference Protocol, batch workers)
// sends one, so the model choice, cache, stores and metrics apply alike.
type Request struct {
	// Photo is an encoded image. Tensor, when set instead, is an image
	// already preprocessed for the model (3*H*W values, normalised); it is
	// neither cached nor stored.
	Photo  []byte
	Tensor []float32
	// SHA256 is the photo's hex SHA-256 when the caller has computed it
	// already (batch photos are stored under it); empty computes it.
	SHA256 string
	TopK   int
	// Model names the model to use (its id, name or name:version); empty
	// uses the deployment's default.
	Model string
	// History is the user whose prediction history records the answer
	// (keeping the photo when images are stored); empty records nothing,
	// for callers that keep their own results.
	History string
}

// Answer is the service's answer to a Request.
type Answer struct {
	Result
	// PredictionID is the history entry's id; empty when not recorded.
	PredictionID string
	Model        ModelRef
	SHA256       string
	SizeBytes    int
	Cached       bool // answered from the result cache
	Latency      time.Duration
}
