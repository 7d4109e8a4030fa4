package batch

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/config"
)

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700:4700::1111": true, "93.184.215.14": true,
		"127.0.0.1": false, "127.8.9.10": false, "::1": false, "10.0.0.1": false, "172.16.5.4": false,
		"192.168.0.1": false, "169.254.169.254": false, "fe80::1": false, "fc00::1": false, "fd12::3": false,
		"100.64.0.1": false, "0.0.0.0": false, "0.1.2.3": false, "::": false, "224.0.0.1": false, "ff02::1": false,
		"::ffff:10.0.0.1": false, "::ffff:127.0.0.1": false, "198.18.0.1": false, "255.255.255.255": false,
		"192.0.0.8": false, "2001:db8::1": false,
		// IPv6 forms that embed an IPv4 address are judged by it.
		"::127.0.0.1": false, "::8.8.8.8": false, // IPv4-compatible: deprecated, never a real host
		"::ffff:0:127.0.0.1": false, "::ffff:0:8.8.8.8": true, // IPv4-translated
		"64:ff9b::127.0.0.1": false, "64:ff9b::10.0.0.1": false, "64:ff9b::169.254.169.254": false,
		"64:ff9b::8.8.8.8": true, "64:ff9b:1::8.8.8.8": false, // NAT64, well-known and local-use
		"2002:7f00:1::1": false, "2002:a00:1::1": false, "2002:a9fe:a9fe::": false, "2002:808:808::1": true, // 6to4
		// Teredo: server 65.54.227.120; client 127.0.0.1, 10.0.0.1, 8.8.8.8 (inverted).
		"2001:0:4136:e378:8000:63bf:80ff:fffe": false, "2001:0:4136:e378:8000:63bf:f5ff:fffe": false,
		"2001:0:4136:e378:8000:63bf:f7f7:f7f7": true, "2001:0:a00:1:8000:63bf:f7f7:f7f7": false,
		"2001:2::1": false, // benchmarking
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
	guarded := newDeliverer(config.Webhook{Timeout: 5 * time.Second})
	for _, url := range []string{srv.URL, "http://localhost" + port + "/hook", "http://[::ffff:127.0.0.1]" + port,
		"http://[::127.0.0.1]" + port, "http://[64:ff9b::7f00:1]" + port, "http://[2002:7f00:1::1]" + port,
		"http://[2001:0:4136:e378:8000:63bf:80ff:fffe]" + port} {
		err := guarded.post(context.Background(), url, "s", "id", 1, []byte(`{}`), "batch.completed")
		if !errors.Is(err, errForbiddenAddress) || failureReason(err) != "blocked address" {
			t.Errorf("%s: %v (%q), want the address refused", url, err, failureReason(err))
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the receiver got %d requests", hits.Load())
	}
	open := newDeliverer(config.Webhook{Timeout: 5 * time.Second, AllowPrivate: true})
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
	d := newDeliverer(config.Webhook{Timeout: 5 * time.Second, AllowPrivate: true})
	if err := d.post(context.Background(), redirect.URL, "s", "id", 1, []byte(`{}`), "batch.completed"); err == nil || followed.Load() {
		t.Errorf("redirect: err %v, followed %v", err, followed.Load())
	}
}

func TestSignature(t *testing.T) {
	// The reference value from openssl, as a receiver would compute it:
	//   printf '{"a":1}' | openssl dgst -sha256 -hmac secret
	if got := Sign("secret", []byte(`{"a":1}`)); got != "sha256=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494" {
		t.Errorf("Sign = %q", got)
	}
}

// TestFailureReasons: what a batch's webhook.last_error says after each
// kind of failed attempt: a short reason, never an address or a port.
func TestFailureReasons(t *testing.T) {
	status := func(code int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if code/100 == 3 {
				w.Header().Set("Location", "http://example.com/")
			}
			w.WriteHeader(code)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed := func() string {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close() // nothing listens on its port any more
		return srv.URL
	}
	slow := func() string {
		done := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-done }))
		t.Cleanup(func() { close(done); srv.Close() })
		return srv.URL
	}
	hangUp := func() string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	untrusted := func() string {
		srv := httptest.NewTLSServer(http.NotFoundHandler()) // its certificate is signed by no known CA
		t.Cleanup(srv.Close)
		return srv.URL
	}
	open := newDeliverer(config.Webhook{Timeout: 10 * time.Second, AllowPrivate: true})
	impatient := newDeliverer(config.Webhook{Timeout: 200 * time.Millisecond, AllowPrivate: true})
	guarded := newDeliverer(config.Webhook{Timeout: 10 * time.Second})
	for _, tc := range []struct {
		name string
		d    *deliverer
		url  string
		want string
	}{
		{"server error", open, status(500), "HTTP 500"},
		{"refused by the receiver", open, status(401), "HTTP 401"},
		{"redirect", open, status(307), "HTTP 307 (redirects are not followed)"},
		{"nothing listening", open, closed(), "connection refused"},
		{"no answer in time", impatient, slow(), "timeout"},
		{"connection dropped", open, hangUp(), "connection closed"},
		{"untrusted certificate", open, untrusted(), "TLS certificate rejected"},
		{"private address", guarded, status(200), "blocked address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.d.post(context.Background(), tc.url, "s", "id", 1, []byte(`{}`), "batch.completed")
			if got := failureReason(err); got != tc.want {
				t.Errorf("failureReason(%v) = %q, want %q", err, got, tc.want)
			}
		})
	}
	// Resolver failures, as the dialer wraps them.
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&url.Error{Op: "Post", URL: "http://nowhere.invalid/", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}}, "host not found"},
		{&url.Error{Op: "Post", URL: "http://slow.example/", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "i/o timeout", Name: "slow.example", IsTimeout: true}}}, "DNS timeout"},
		{errors.New("something else entirely at 10.1.2.3:443"), "connection failed"},
	} {
		if got := failureReason(tc.err); got != tc.want {
			t.Errorf("failureReason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
