package smtp

import (
	"context"
	"net"
	"testing"
)

// stubResolver returns a resolver whose every query is answered by a tiny
// DNS server on 127.0.0.1 with the given RCODE (2 SERVFAIL, 3 NXDOMAIN), so
// DNS failures are produced for real without leaving the machine.
func stubResolver(t *testing.T, rcode byte) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n < 12 {
				continue
			}
			resp := append([]byte(nil), buf[:n]...)
			resp[2] = 0x80 | (buf[2] & 0x79) // QR=1, keep opcode and RD
			resp[3] = 0x80 | rcode           // RA=1
			// No answers, authority or additional records: keep only the question.
			resp[6], resp[7], resp[8], resp[9], resp[10], resp[11] = 0, 0, 0, 0, 0, 0
			// Drop an EDNS OPT record if the query had one (it sits after the question).
			resp = resp[:questionEnd(resp)]
			_, _ = pc.WriteTo(resp, addr)
		}
	}()
	server := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", server)
		},
	}
}

// questionEnd returns the offset just past the first question of a DNS message.
func questionEnd(m []byte) int {
	i := 12
	for i < len(m) && m[i] != 0 {
		i += int(m[i]) + 1
	}
	i += 1 + 4 // root label, QTYPE, QCLASS
	if i > len(m) {
		return len(m)
	}
	return i
}
