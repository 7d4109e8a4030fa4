package batch

import (
	"context"
	"errors"
	"github.com/aquaml/aquaml/platform/config"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700:4700::1111": true, "93.184.215.14": true,
		"127.0.0.1": false, "127.8.9.10": false, "::1": false, "10.0.0.1": false, "172.16.5.4": false,
		"192.168.0.1": false, "169.254.169.254": false, "fe80::1": false, "fc00::1": false, "fd12::3": false,
		"100.64.0.1": false, "0.0.0.0": false, "0.1.2.3": false, "::": false, "224.0.0.1": false, "ff02::1": false,
		"::ffff:10.0.0.1": false, "::ffff:127.0.0.1": false, "198.18.0.1": false, "255.255.255.255": false,
		"192.0.0.8": false, "2001:db8::1": false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestDialerRefusesPrivateAddresses is the delivery-time check: whatever
// the URL said when the batch was submitted, the connection itself may
// not go to a private address, so DNS that changes its answer (rebinding)
// gains nothing.
func TestDialerRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	guarded := newDeliverer(config.Webhook{Timeout: 5 * time.Second}, "")
	for _, url := range []string{srv.URL, "http://localhost" + port + "/hook"} {
		err := guarded.post(context.Background(), url, "s", "id", 1, []byte(`{}`), "batch.completed")
		if !errors.Is(err, errForbiddenAddress) {
			t.Errorf("%s: %v, want the address refused", url, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver got %d requests", hits.Load())
	}
	open := newDeliverer(config.Webhook{Timeout: 5 * time.Second, AllowPrivate: true}, "")
	if err := open.post(context.Background(), srv.URL, "s", "id", 1, []byte(`{}`), "batch.completed"); err != nil || hits.Load() != 1 {
		t.Errorf("with private addresses allowed: %v, %d requests", err, hits.Load())
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var followed atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Store(true) }))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	d := newDeliverer(config.Webhook{Timeout: 5 * time.Second, AllowPrivate: true}, "")
	if err := d.post(context.Background(), redirect.URL, "s", "id", 1, []byte(`{}`), "batch.completed"); err == nil || followed.Load() {
		t.Errorf("redirect: err %v, followed %v", err, followed.Load())
	}
}

func TestSignature(t *testing.T) {
	// Reference values from openssl, as a receiver would compute them:
	//   printf 'aquaml-webhook' | openssl dgst -sha256 -hmac key
	//   printf '{"a":1}' | openssl dgst -sha256 -hmac secret
	if got := GlobalSecret("key"); got != "0397e44f90eb7d9a16b38f1650322991e3b8dc8dd77d88d81e2f63b66d926297" {
		t.Errorf("GlobalSecret = %q", got)
	}
	if got := Sign("secret", []byte(`{"a":1}`)); got != "sha256=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494" {
		t.Errorf("Sign = %q", got)
	}
}
