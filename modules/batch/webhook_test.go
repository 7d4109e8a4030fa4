package batch_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

// delivery is one request a webhook receiver got.
type delivery struct {
	header http.Header
	body   []byte
}

// receiver is an httptest webhook endpoint answering the statuses in
// order (then 200), recording every request.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []delivery
	// before, if set, runs before the n-th request (from 1) is answered.
	before func(n int)
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, delivery{req.Header.Clone(), body})
		n := len(r.got)
		status := http.StatusOK
		if n <= len(r.statuses) {
			status = r.statuses[n-1]
		}
		before := r.before
		r.mu.Unlock()
		if before != nil {
			before(n)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

func hmacHex(key string, msg []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(msg)
	return hex.EncodeToString(mac.Sum(nil))
}

type hookBody struct {
	Event   string    `json:"event"`
	Attempt int       `json:"attempt"`
	UserID  string    `json:"user_id"`
	Batch   batchJSON `json:"batch"`
}

func webhookApp(t *testing.T) *apptest.TestApp {
	return apptest.New(t, withWorker(func(c *config.Config) {
		c.Webhook.AllowPrivate = true // the receiver is on loopback
		c.Webhook.RetryBase = 100 * time.Millisecond
		c.Webhook.MaxAttempts = 3
	}))
}

// secretOf reads a user's webhook signing secret as its owner does.
func secretOf(t *testing.T, ta *apptest.TestApp, s apptest.Session) string {
	t.Helper()
	res := ta.Do("GET", ta.API("/batches/webhook-secret"), nil, s.Auth()).Want(http.StatusOK)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on a secret", cc)
	}
	secret := decode[struct{ Secret string }](t, res.Body).Secret
	if !strings.HasPrefix(secret, "whsec_") || len(secret) < 32 {
		t.Fatalf("secret %q", secret)
	}
	return secret
}

// deliveryOf waits for the delivery of a batch's webhook (the n-th, from 1).
func deliveryOf(t *testing.T, hook *receiver, batchID string, n int) delivery {
	t.Helper()
	var got []delivery
	waitFor(t, 30*time.Second, "the webhook of "+batchID, func() bool {
		got = got[:0]
		for _, d := range hook.deliveries() {
			if d.header.Get("X-AquaML-Delivery") == batchID {
				got = append(got, d)
			}
		}
		return len(got) >= n
	})
	return got[n-1]
}

// TestWebhookIsSignedByItsOwner: each user's webhooks are signed with a
// secret of their own, made at their first batch with a callback_url and
// readable by them alone; the body names the owner. Another user's secret
// and the old global key verify nothing, and a rotation signs the next
// delivery.
func TestWebhookIsSignedByItsOwner(t *testing.T) {
	ta := webhookApp(t)
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	hook := newReceiver(t)
	ta.Do("GET", ta.API("/batches/webhook-secret"), nil, alice.Auth()).Want(http.StatusNotFound)

	b := submitPhotos(t, ta, alice, photos(t, 3, 32), map[string]string{"callback_url": hook.URL + "/fish"})
	aliceSecret := secretOf(t, ta, alice)
	submitPhotos(t, ta, bob, photos(t, 1, 32), map[string]string{"callback_url": hook.URL + "/fish"})
	bobSecret := secretOf(t, ta, bob)
	if aliceSecret == bobSecret {
		t.Fatal("two users share a secret")
	}
	if secretOf(t, ta, alice) != aliceSecret {
		t.Error("reading the secret again changed it")
	}

	d := deliveryOf(t, hook, b.ID, 1)
	sig := d.header.Get("X-AquaML-Signature")
	if sig != "sha256="+hmacHex(aliceSecret, d.body) {
		t.Errorf("signature %q is not by the owner's secret", sig)
	}
	// Neither bob's secret nor the global key operators used to hand out,
	// hex(HMAC-SHA256(SECRET_KEY, "aquaml-webhook")), verifies it.
	global := hmacHex(ta.Config().Auth.SecretKey, []byte("aquaml-webhook"))
	if sig == "sha256="+hmacHex(bobSecret, d.body) || sig == "sha256="+hmacHex(global, d.body) {
		t.Errorf("signature %q verifies with a key that is not the owner's", sig)
	}
	body := decode[hookBody](t, d.body)
	classified := body.Batch.Unknown
	for _, n := range body.Batch.Species {
		classified += n
	}
	if body.Event != "batch.completed" || body.Attempt != 1 || body.UserID != alice.UserID || body.Batch.ID != b.ID ||
		body.Batch.Done != 3 || classified != 3 || d.header.Get("X-AquaML-Event") != "batch.completed" ||
		d.header.Get("Content-Type") != "application/json" {
		t.Errorf("delivery %v %s", d.header, d.body)
	}
	waitFor(t, 10*time.Second, "the delivery to be recorded", func() bool {
		w := getBatch(t, ta, alice, b.ID).Webhook
		return w != nil && w.State == "delivered" && w.Attempts == 1
	})

	var rotated struct{ Secret string }
	ta.Do("POST", ta.API("/batches/webhook-secret"), nil, alice.Auth()).Want(http.StatusCreated).JSON(&rotated)
	if rotated.Secret == aliceSecret || secretOf(t, ta, alice) != rotated.Secret {
		t.Fatalf("rotated to %q (was %q)", rotated.Secret, aliceSecret)
	}
	next := submitPhotos(t, ta, alice, photos(t, 1, 32), map[string]string{"callback_url": hook.URL})
	d = deliveryOf(t, hook, next.ID, 1)
	if got := d.header.Get("X-AquaML-Signature"); got != "sha256="+hmacHex(rotated.Secret, d.body) ||
		got == "sha256="+hmacHex(aliceSecret, d.body) {
		t.Errorf("signature %q is not by the rotated secret", got)
	}

	// Deleting it makes the next first use start afresh.
	ta.Do("DELETE", ta.API("/batches/webhook-secret"), nil, alice.Auth()).Want(http.StatusNoContent)
	ta.Do("DELETE", ta.API("/batches/webhook-secret"), nil, alice.Auth()).Want(http.StatusNotFound)
	ta.Do("GET", ta.API("/batches/webhook-secret"), nil, alice.Auth()).Want(http.StatusNotFound)
	submitPhotos(t, ta, alice, photos(t, 1, 32), map[string]string{"callback_url": hook.URL})
	if s := secretOf(t, ta, alice); s == rotated.Secret || s == aliceSecret {
		t.Errorf("after delete the secret is an old one: %q", s)
	}
	if secretOf(t, ta, bob) != bobSecret {
		t.Error("alice's rotation and delete changed bob's secret")
	}
}

// TestRotationSignsTheNextAttempt: a secret rotated while a delivery is
// being retried signs the retry.
func TestRotationSignsTheNextAttempt(t *testing.T) {
	ta := webhookApp(t)
	alice := ta.NewUser("alice")
	rotation := make(chan string, 1)
	hook := newReceiver(t, http.StatusInternalServerError)
	hook.before = func(n int) {
		if n != 1 {
			return
		}
		// Rotate before answering the first attempt with a 500.
		var rotated struct{ Secret string }
		req, _ := http.NewRequest("POST", ta.URL+ta.API("/batches/webhook-secret"), nil)
		req.Header.Set("Authorization", alice.Auth()["Authorization"])
		if res, err := http.DefaultClient.Do(req); err == nil {
			json.NewDecoder(res.Body).Decode(&rotated)
			res.Body.Close()
		}
		rotation <- rotated.Secret
	}
	b := submitPhotos(t, ta, alice, photos(t, 1, 32), map[string]string{"callback_url": hook.URL})
	first := secretOf(t, ta, alice)
	one, two := deliveryOf(t, hook, b.ID, 1), deliveryOf(t, hook, b.ID, 2)
	rotated := <-rotation
	if rotated == "" || rotated == first {
		t.Fatalf("rotation from %q gave %q", first, rotated)
	}
	if one.header.Get("X-AquaML-Signature") != "sha256="+hmacHex(first, one.body) {
		t.Error("the first attempt is not signed by the secret of its time")
	}
	if two.header.Get("X-AquaML-Signature") != "sha256="+hmacHex(rotated, two.body) {
		t.Error("the retry after the rotation is not signed by the new secret")
	}
}

// TestWebhookRetries: failed attempts are retried with backoff under one
// delivery id until the receiver accepts, or given up after
// WEBHOOK_MAX_ATTEMPTS.
func TestWebhookRetries(t *testing.T) {
	ta := webhookApp(t)
	alice := ta.NewUser("alice")
	flaky := newReceiver(t, 500, 503)
	dead := newReceiver(t, 500, 500, 500, 500)
	ok := submitPhotos(t, ta, alice, photos(t, 1, 32), map[string]string{"callback_url": flaky.URL})
	gone := submitPhotos(t, ta, alice, photos(t, 1, 32), map[string]string{"callback_url": dead.URL})

	waitFor(t, 30*time.Second, "the third attempt to be delivered", func() bool {
		w := getBatch(t, ta, alice, ok.ID).Webhook
		return w != nil && w.State == "delivered"
	})
	got := flaky.deliveries()
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3", len(got))
	}
	for i, d := range got {
		if a := d.header.Get("X-AquaML-Attempt"); a != string(rune('1'+i)) || d.header.Get("X-AquaML-Delivery") != ok.ID {
			t.Errorf("attempt %d headers %v", i+1, d.header)
		}
		var body hookBody
		json.Unmarshal(d.body, &body)
		if body.Attempt != i+1 {
			t.Errorf("attempt %d body says %d", i+1, body.Attempt)
		}
	}

	waitFor(t, 30*time.Second, "the webhook to be given up", func() bool {
		w := getBatch(t, ta, alice, gone.ID).Webhook
		return w != nil && w.State == "failed"
	})
	w := getBatch(t, ta, alice, gone.ID).Webhook
	if w.Attempts != 3 || len(dead.deliveries()) != 3 || w.LastError != "HTTP 500" {
		t.Errorf("gave up after %d attempts (%d received), last error %q", w.Attempts, len(dead.deliveries()), w.LastError)
	}
}
