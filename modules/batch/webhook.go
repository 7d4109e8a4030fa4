package batch

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/hibiken/asynq"
)

// Webhook headers. The signature is "sha256=" and the hex HMAC-SHA256 of
// the raw body under the batch owner's secret; the delivery id stays the
// same across the attempts of one batch, so receivers can drop repeats.
const (
	HeaderSignature = "X-AquaML-Signature"
	HeaderEvent     = "X-AquaML-Event"
	HeaderDelivery  = "X-AquaML-Delivery"
	HeaderAttempt   = "X-AquaML-Attempt"
)

// deliverer sends webhooks through a client that cannot reach private
// addresses (unless allowed) and never follows redirects.
type deliverer struct {
	cfg      config.Webhook
	client   *http.Client
	resolver *net.Resolver
}

func newDeliverer(cfg config.Webhook) *deliverer {
	return &deliverer{
		cfg: cfg,
		client: &http.Client{
			Transport:     guardedTransport(cfg.AllowPrivate, cfg.Timeout),
			Timeout:       cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		resolver: net.DefaultResolver,
	}
}

// Sign returns the X-AquaML-Signature value of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// event is the webhook body: the batch as GET /batches/{id} shows it, and
// whose it is, so a receiver shared by several users knows whose secret
// must have signed it.
type event struct {
	Event   string      `json:"event"`
	SentAt  time.Time   `json:"sent_at"`
	Attempt int         `json:"attempt"`
	UserID  string      `json:"user_id"`
	Batch   batchDetail `json:"batch"`
}

// post sends one attempt; an error means it should be retried.
func (d *deliverer) post(ctx context.Context, url, secret, deliveryID string, attempt int, body []byte, kind string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "AquaML-Webhook/1")
	req.Header.Set(HeaderSignature, Sign(secret, body))
	req.Header.Set(HeaderEvent, kind)
	req.Header.Set(HeaderDelivery, deliveryID)
	req.Header.Set(HeaderAttempt, fmt.Sprint(attempt))
	res, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return statusError(res.StatusCode)
	}
	return nil
}

// handleWebhook sends one attempt of a batch's webhook and records the
// outcome. A failed attempt schedules the next with exponential backoff
// (as a new task, so the delay is ours and survives restarts); after the
// last one the webhook is marked failed.
func (m *Module) handleWebhook(ctx context.Context, t *asynq.Task) error {
	var p webhookPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.BatchID == "" || p.Attempt < 1 {
		return fmt.Errorf("batch: bad webhook payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	b, err := m.store.get(ctx, p.BatchID)
	if err == errNotFound {
		return nil // deleted
	}
	if err != nil {
		return err
	}
	if b.WebhookState != webhookPending || b.WebhookAttempts != p.Attempt-1 {
		return nil // a repeat of an attempt already recorded
	}
	// Read at every attempt: a rotation takes effect on the next one.
	secret, err := m.ownerSecret(ctx, b.UserID)
	if err != nil {
		return err
	}
	cs, err := m.store.counts(ctx, b.ID)
	if err != nil {
		return err
	}
	species, unknown, err := m.store.species(ctx, b.ID)
	if err != nil {
		return err
	}
	kind := "batch." + b.Status
	body, _ := json.Marshal(event{Event: kind, SentAt: time.Now().UTC(), Attempt: p.Attempt, UserID: b.UserID,
		Batch: batchDetail{batchView: m.view(b, cs[b.ID]), Species: species, Unknown: unknown}})

	sendErr := m.webhooks.post(ctx, b.CallbackURL, secret, b.ID, p.Attempt, body, kind)
	now := time.Now().UTC()
	if sendErr == nil {
		m.metrics.webhooks.WithLabelValues("delivered").Inc()
		return m.store.webhookDelivered(ctx, b.ID, p.Attempt, now)
	}
	last := p.Attempt >= m.cfg.Webhook.MaxAttempts
	delay := m.cfg.Webhook.RetryBase << min(p.Attempt-1, 20)
	delay = min(delay, 6*time.Hour)
	moved, err := m.store.webhookAttempted(ctx, b.ID, p.Attempt, failureReason(sendErr), now.Add(delay), last)
	if err != nil || !moved {
		return err
	}
	if last {
		m.metrics.webhooks.WithLabelValues("failed").Inc()
		m.log.Warn("webhook gave up", "batch", b.ID, "attempts", p.Attempt, "error", sendErr)
		return nil
	}
	m.metrics.webhooks.WithLabelValues("retried").Inc()
	m.log.Info("webhook attempt failed; retrying", "batch", b.ID, "attempt", p.Attempt, "in", delay.String(), "error", sendErr)
	if err := m.enqueueWebhook(ctx, b.ID, p.Attempt+1, delay); err != nil {
		m.log.Warn("scheduling a webhook retry; the reconciler will", "batch", b.ID, "error", err)
	}
	return nil
}
