package httpserver

import (
	"net"
	"net/http/httptest"
	"testing"
)

func TestForwardedForIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	_, proxies, _ := net.ParseCIDR("203.0.113.0/24")
	tests := []struct {
		name    string
		trusted []*net.IPNet
		peer    string
		want    string
	}{
		{"default trusts a proxy on the same host", nil, "127.0.0.1:5000", "198.51.100.7"},
		{"default ignores a private peer's claim (a LAN camera, a pod)", nil, "10.1.2.3:5000", "10.1.2.3"},
		{"default ignores a link-local peer's claim", nil, "169.254.1.2:5000", "169.254.1.2"},
		{"default ignores a public peer's claim", nil, "192.0.2.10:5000", "192.0.2.10"},
		{"configured proxy is believed", []*net.IPNet{proxies}, "203.0.113.9:5000", "198.51.100.7"},
		{"private peer no longer trusted once proxies are configured", []*net.IPNet{proxies}, "10.1.2.3:5000", "10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{TrustedProxies: tt.trusted})
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.peer
			req.Header.Set("X-Forwarded-For", "198.51.100.7")
			if got := s.Echo.IPExtractor(req); got != tt.want {
				t.Errorf("client IP %s, want %s", got, tt.want)
			}
		})
	}
}
