package batch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/aquaml/aquaml/platform/apperr"
)

// errForbiddenAddress is what the dialer returns for an address a
// callback may not reach.
var errForbiddenAddress = errors.New("webhook: address not allowed")

// blocked are the ranges a callback may not reach unless private
// addresses are allowed: besides what netip classifies (loopback,
// private, link-local, multicast, unspecified), carrier-grade NAT, the
// "this network" block, IETF protocol assignments, benchmarking, the
// reserved block and broadcast, and their IPv6 counterparts. ::/96 holds
// the deprecated IPv4-compatible addresses (::127.0.0.1): no real host is
// reached through them, and some stacks would route them to the IPv4
// address they embed.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4",
		"::/96", "64:ff9b:1::/48", "100::/64", "2001:2::/48", "2001:db8::/32", "fc00::/7", "fec0::/10"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// IPv6 ranges whose addresses carry an IPv4 address that a translator or
// relay delivers to: the NAT64 well-known prefix and IPv4-translated
// addresses (the IPv4 address in the last 32 bits), 6to4 (bits 16-47) and
// Teredo (the server in bits 32-63, the client inverted in the last 32).
// [64:ff9b::7f00:1] reaches 127.0.0.1 on a network with NAT64, so each is
// judged by the IPv4 addresses it embeds.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	translated = netip.MustParsePrefix("::ffff:0:0:0/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	teredo     = netip.MustParsePrefix("2001::/32")
)

// embeddedIPv4 returns the IPv4 addresses ip stands for, if it is one of
// the IPv4-embedding IPv6 forms.
func embeddedIPv4(ip netip.Addr) []netip.Addr {
	b := ip.As16()
	v4 := func(p []byte) netip.Addr { return netip.AddrFrom4([4]byte(p)) }
	switch {
	case nat64.Contains(ip), translated.Contains(ip):
		return []netip.Addr{v4(b[12:16])}
	case sixToFour.Contains(ip):
		return []netip.Addr{v4(b[2:6])}
	case teredo.Contains(ip):
		client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
		return []netip.Addr{v4(b[4:8]), netip.AddrFrom4(client)}
	}
	return nil
}

// publicAddr reports whether a callback may connect to ip.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	if ip.Is6() {
		for _, v4 := range embeddedIPv4(ip) {
			if !publicAddr(v4) {
				return false
			}
		}
	}
	return true
}

// checkURL vets a callback URL when a batch is submitted: http or https,
// a host, no credentials, and (unless private addresses are allowed)
// every address the host resolves to is public. The dialer checks again
// at delivery, since DNS may answer differently by then.
func (d *deliverer) checkURL(ctx context.Context, raw string) error {
	invalid := func(msg string) error {
		return apperr.Validation(map[string]string{"callback_url": msg})
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return invalid("must be an absolute http or https URL")
	}
	if u.User != nil {
		return invalid("must not carry credentials; verify deliveries with the signature instead")
	}
	if d.cfg.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		addrs, err = d.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil || len(addrs) == 0 {
			return apperr.Wrap(apperr.Invalid, "callback_url_unresolvable", "the callback host does not resolve", err)
		}
	}
	for _, ip := range addrs {
		if !publicAddr(ip) {
			return apperr.New(apperr.Invalid, "callback_url_forbidden",
				fmt.Sprintf("the callback URL resolves to %s, a loopback, link-local, private or otherwise internal address (IPv6 forms that embed one included)", ip.Unmap()))
		}
	}
	return nil
}

// guardedTransport dials only public addresses (unless allowed), checked
// on the very address being connected to, after resolution: a host that
// resolved to a public address at submit time and to 127.0.0.1 now (DNS
// rebinding) is refused. Proxies from the environment are not used, as
// they would dial on our behalf unchecked.
func guardedTransport(allowPrivate bool, timeout time.Duration) *http.Transport {
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !strings.HasPrefix(network, "tcp") || !publicAddr(ap.Addr()) {
				return fmt.Errorf("%w: %s", errForbiddenAddress, address)
			}
			return nil
		}
	}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}
