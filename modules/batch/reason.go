package batch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// statusError is a receiver's answer outside 2xx.
type statusError int

func (e statusError) Error() string { return fmt.Sprintf("the receiver answered HTTP %d", int(e)) }

// failureReason is the short reason an attempt failed, as a batch's
// webhook.last_error shows it to its owner. The raw error (kept in the
// logs) names resolved addresses, ports and resolver internals: the
// server's network, not the user's business, and a way to map it.
func failureReason(err error) string {
	var (
		status    statusError
		dns       *net.DNSError
		timeout   net.Error
		verify    *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		alert     tls.AlertError
		record    tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &status):
		if status >= 300 && status < 400 {
			return fmt.Sprintf("HTTP %d (redirects are not followed)", int(status))
		}
		return fmt.Sprintf("HTTP %d", int(status))
	case errors.Is(err, errForbiddenAddress):
		return "blocked address"
	case errors.As(err, &dns):
		switch {
		case dns.IsNotFound:
			return "host not found"
		case dns.IsTimeout:
			return "DNS timeout"
		}
		return "DNS lookup failed"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &timeout) && timeout.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "unreachable"
	case errors.As(err, &verify), errors.As(err, &authority), errors.As(err, &hostname), errors.As(err, &invalid):
		return "TLS certificate rejected"
	case errors.As(err, &alert), errors.As(err, &record):
		return "TLS handshake failed"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	return "connection failed"
}
