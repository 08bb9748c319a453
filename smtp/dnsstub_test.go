package smtp

import (
	"context"
	"net"
	"testing"

	"github.com/smtpconf/smtpconf/smtp/dnstest"
)

// stubResolver returns a resolver whose every query is answered by a DNS
// server on 127.0.0.1 with the given RCODE (2 SERVFAIL, 3 NXDOMAIN), so DNS
// failures are produced for real without leaving the machine.
func stubResolver(t *testing.T, rcode int) *net.Resolver {
	t.Helper()
	server := dnstest.StartFailing(t, rcode)
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", server)
		},
	}
}
