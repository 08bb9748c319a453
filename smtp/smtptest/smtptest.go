// Package smtptest runs a real SMTP server inside a test process so that our
// SMTP client can be exercised end to end: TLS (STARTTLS and implicit),
// AUTH, delivery, and the failures users actually meet (refused greetings,
// bad credentials, rejected senders, timeouts, dropped connections).
//
// The server is github.com/emersion/go-smtp, an implementation independent
// of the go-mail client we ship, so a test passes only if both sides agree on
// the protocol rather than on shared code. Failures are switched on through
// Config and can be changed while the server runs (Server.Set), e.g. to
// check that a retry succeeds once a temporary failure clears.
//
// Only 127.0.0.1 is used; nothing leaves the machine.
package smtptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string   // reverse path, "" for the null sender <>
	To   []string // accepted recipients
	Data []byte   // body as received: CRLF line ends, dot-stuffing removed
	Auth string   // authenticated username, "" if none
	TLS  bool     // whether the message travelled over TLS
}

// Server is a running test server; Start returns it and t.Cleanup closes it.
type Server struct {
	Addr   string // "127.0.0.1:PORT"
	Host   string // "127.0.0.1"
	Port   int
	CAFile string // PEM of the CA that issued the server certificate
	CAPool *x509.CertPool
	CA     *CA

	t       testing.TB
	srv     *smtp.Server
	inner   net.Listener
	tlsConf *tls.Config
	log     *testLogger
	done    chan struct{} // closed by Close; releases every stall
	wg      sync.WaitGroup
	nconns  atomic.Int64
	once    sync.Once
	setMu   sync.Mutex // serialises Set so concurrent updates are not lost

	mu     sync.Mutex
	cfg    Config
	msgs   []Message
	conns  []net.Conn
	closed bool
}

// Start starts a server on 127.0.0.1 with an ephemeral port. It fails the
// test on invalid configuration rather than returning an error, since a test
// cannot do anything useful without its server.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	cfg = cfg.clone()
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
	}
	if len(cfg.CertHosts) == 0 {
		cfg.CertHosts = []string{"localhost", "127.0.0.1"}
	}
	if err := cfg.validate(); err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	ca := cfg.CA
	if ca == nil {
		ca = NewCA(t)
	}
	var cert tls.Certificate
	if cfg.Certificate != nil {
		cert = *cfg.Certificate
	} else {
		cert = ca.Issue(t, cfg.CertHosts...)
	}

	s := &Server{
		CAFile: ca.File,
		CAPool: ca.Pool,
		CA:     ca,
		t:      t,
		log:    &testLogger{t: t},
		done:   make(chan struct{}),
		cfg:    cfg,
	}
	s.tlsConf = &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		// Called after the ClientHello has been read: the one hook inside
		// the handshake, used for StallAt "tls".
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			if s.config().StallAt == StallTLS {
				return nil, s.stall()
			}
			return nil, nil
		},
	}

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = cfg.Domain
	srv.AllowInsecureAuth = cfg.AllowInsecureAuth
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.ErrorLog = s.log
	if cfg.Transcript {
		srv.Debug = &lineWriter{log: s.log}
	}
	if cfg.Mode != Plain {
		// With STARTTLS this makes go-smtp advertise and handle STARTTLS;
		// with ImplicitTLS the conn is already a *tls.Conn and go-smtp only
		// uses it to know not to offer STARTTLS again.
		srv.TLSConfig = s.tlsConf
	}
	s.srv = srv

	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.inner = inner
	addr := inner.Addr().(*net.TCPAddr)
	s.Addr, s.Host, s.Port = addr.String(), addr.IP.String(), addr.Port

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := srv.Serve(&listener{Listener: inner, s: s})
		if err != nil && !s.isClosed() {
			s.log.Printf("serve: %v", err)
		}
	}()
	t.Cleanup(s.Close)
	return s
}

// Messages returns a copy of the accepted messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		m.To = slices.Clone(m.To)
		m.Data = slices.Clone(m.Data)
		out[i] = m
	}
	return out
}

// Set changes the configuration of the running server. f gets a copy; the
// result replaces the configuration only if it is valid and leaves the fixed
// fields alone, otherwise the test is marked failed and nothing changes.
// Connections already in progress see the change at their next command.
func (s *Server) Set(f func(*Config)) {
	s.setMu.Lock()
	defer s.setMu.Unlock()
	old := s.config()
	c := old.clone()
	f(&c)
	if err := c.validate(); err != nil {
		s.t.Errorf("smtptest: Set: %v", err)
		return
	}
	if name := fixedChanged(old, c); name != "" {
		s.t.Errorf("smtptest: Set: %s cannot change after Start", name)
		return
	}
	s.mu.Lock()
	s.cfg = c.clone()
	s.mu.Unlock()
}

// Connections returns the number of TCP connections accepted so far,
// including those refused by Greeting; tests use it to count client retries.
func (s *Server) Connections() int {
	return int(s.nconns.Load())
}

// Close stops the server, cuts every connection and waits until every
// server goroutine has finished, so no stall outlives the test and nothing
// logs after it. Safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		conns := s.conns
		s.conns = nil
		s.mu.Unlock()

		// Order matters. Connections are cut before stalls are released, so
		// a released stall cannot get a reply through to a client.
		s.inner.Close()
		for _, c := range conns {
			c.Close()
		}
		close(s.done)
		// Our goroutines include Serve; once it has returned go-smtp starts
		// no more connection goroutines, so waiting for them cannot race
		// with their creation.
		s.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			s.t.Errorf("smtptest: connection goroutines still running 5s after Close")
		}
		s.log.stop()
	})
}

func (s *Server) config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.clone()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
