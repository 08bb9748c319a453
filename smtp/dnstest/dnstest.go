// Package dnstest runs a DNS server on 127.0.0.1 for tests, so code that
// resolves names (detection, probes, HTTP fetches) is exercised for real
// without ever asking the system resolver or leaving the machine.
package dnstest

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Server answers from a fixed zone; names not in it get NXDOMAIN, and
// nothing is ever forwarded.
type Server struct {
	Addr    string // "127.0.0.1:PORT", for --dns-server or detect.Options.DNSServer
	queries atomic.Int64
}

// Queries counts the questions the server has received.
func (s *Server) Queries() int64 { return s.queries.Load() }

// Start serves records given in zone-file syntax ("a.test. 60 IN A 127.0.0.1").
func Start(t testing.TB, records ...string) *Server {
	t.Helper()
	return StartDelayed(t, nil, records...)
}

// StartDelayed is Start, with the answers for names ending in a key of delay
// sent that much later (slow resolvers, cancellation tests).
func StartDelayed(t testing.TB, delay map[string]time.Duration, records ...string) *Server {
	t.Helper()
	zone := map[string][]dns.RR{}
	for _, r := range records {
		rr, err := dns.NewRR(r)
		if err != nil {
			t.Fatalf("dnstest: record %q: %v", r, err)
		}
		name := strings.ToLower(rr.Header().Name)
		zone[name] = append(zone[name], rr)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: pc.LocalAddr().String()}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		s.queries.Add(1)
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		if len(req.Question) == 1 {
			q := req.Question[0]
			name := strings.ToLower(q.Name)
			for suffix, d := range delay {
				if strings.HasSuffix(name, suffix) {
					time.Sleep(d)
				}
			}
			rrs, ok := zone[name]
			if !ok {
				m.Rcode = dns.RcodeNameError
			}
			for _, rr := range rrs {
				if rr.Header().Rrtype == q.Qtype {
					m.Answer = append(m.Answer, rr)
				}
			}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return s
}

// StartSilent reads queries on 127.0.0.1 and never answers, for deadline tests.
func StartSilent(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return pc.LocalAddr().String()
}

// StartFailing answers every question with rcode (dns.RcodeServerFailure,
// dns.RcodeNameError, ...), to produce DNS failures for real.
func StartFailing(t testing.TB, rcode int) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(req, rcode)
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}
