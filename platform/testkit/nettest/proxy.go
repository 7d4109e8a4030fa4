// Package nettest takes real dependencies away from a process under test
// the way a network failure would: a TCP proxy in front of the database or
// Redis that can refuse connections or cut them all.
package nettest

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// Proxy forwards TCP connections to a target until cut.
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
	paused bool
}

// NewProxy listens on a free local port and forwards to target; it is cut
// when t ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target}
	go p.accept()
	t.Cleanup(p.Cut)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Pause makes new connections fail (accepted, then closed), like a server
// that is still starting; Resume undoes it.
func (p *Proxy) Pause() { p.mu.Lock(); p.paused = true; p.mu.Unlock() }

// Resume forwards new connections again.
func (p *Proxy) Resume() { p.mu.Lock(); p.paused = false; p.mu.Unlock() }

// Drop closes every open connection but keeps listening: with Pause, an
// outage the clients must reconnect from once Resume ends it.
func (p *Proxy) Drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Cut closes the listener and every connection: the dependency is gone.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		paused := p.paused
		p.mu.Unlock()
		if paused {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			up.Close()
			return
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

// HostPort extracts host:port from a URL such as postgres://u:p@h:5432/db.
func HostPort(rawURL string) string {
	s := rawURL[strings.Index(rawURL, "://")+3:]
	if at := strings.LastIndex(s, "@"); at >= 0 {
		s = s[at+1:]
	}
	if i := strings.IndexAny(s, "/?"); i >= 0 {
		s = s[:i]
	}
	return s
}

// Behind returns rawURL rewritten to reach its server through a new
// proxy, and the proxy.
func Behind(t testing.TB, rawURL string) (string, *Proxy) {
	t.Helper()
	target := HostPort(rawURL)
	p := NewProxy(t, target)
	return strings.Replace(rawURL, target, p.Addr(), 1), p
}
