package detect

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// closedPort is a port on 127.0.0.1 where nothing listens.
func closedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

// testOptions sends every well-known port to a closed port, so no test can
// reach a service of the machine; tests override the ports they serve.
func testOptions(t testing.TB, dnsAddr string, ca *smtptest.CA) Options {
	t.Helper()
	cp := closedPort(t)
	o := Options{
		DNSServer: dnsAddr,
		ISPDBBase: "https://ispdb.test/v1.1/",
		Timeout:   5 * time.Second,
		PortMap:   map[int]int{25: cp, 80: cp, 443: cp, 465: cp, 587: cp},
	}
	if ca != nil {
		o.RootCAs = ca.Pool
	}
	return o
}

// startHTTPS serves handler over TLS with a certificate from ca for hosts.
func startHTTPS(t testing.TB, ca *smtptest.CA, handler http.Handler, hosts ...string) int {
	t.Helper()
	srv := httptest.NewUnstartedServer(handler)
	cert := ca.Issue(t, hosts...)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // cancelled fetches are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

func detect(t *testing.T, email string, o Options) Result {
	t.Helper()
	r, err := Detect(context.Background(), email, o)
	if err != nil {
		t.Fatalf("Detect(%q): %v", email, err)
	}
	t.Logf("%s -> ok=%v %s %s:%d %s auth=%s user=%s in %v", email, r.OK, r.Source, r.Host, r.Port, r.Security, r.Auth, r.Username, r.Elapsed)
	for _, e := range r.Evidence {
		t.Logf("  %s", e)
	}
	return r
}

func hasEvidence(r Result, sub string) bool {
	for _, e := range r.Evidence {
		if strings.Contains(e, sub) {
			return true
		}
	}
	return false
}

// slowProxy listens on 127.0.0.1 and forwards each connection to backend
// after delay, so the server answers delay later than it would.
func slowProxy(t testing.TB, backend string, delay time.Duration) int {
	t.Helper()
	addr := smtptest.StartRaw(t, func(c net.Conn) {
		time.Sleep(delay)
		b, err := net.Dial("tcp", backend)
		if err != nil {
			return
		}
		defer b.Close()
		done := make(chan struct{}, 2)
		go func() { _, _ = io.Copy(b, c); done <- struct{}{} }()
		go func() { _, _ = io.Copy(c, b); done <- struct{}{} }()
		<-done
	})
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return p
}
