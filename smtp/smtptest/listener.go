package smtptest

import (
	"crypto/tls"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

var errShutdown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Server shutting down"}

// stall blocks until Close. By then the connection is already cut, so the
// returned reply never reaches the client; it only unwinds go-smtp.
func (s *Server) stall() error {
	<-s.done
	return errShutdown
}

// listener sits between the TCP listener and go-smtp because go-smtp writes
// its 220 greeting itself as soon as it has a connection, before any backend
// code runs: refusing or withholding the greeting must happen before
// go-smtp sees the connection. It also counts and records connections so
// Close can cut them, and does the implicit-TLS wrapping (what tls.Listen
// would do) so that the greeting switches work under TLS too.
type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	s := l.s
	for {
		raw, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		s.nconns.Add(1)
		c := &trackedConn{Conn: raw}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			raw.Close()
			return nil, net.ErrClosed
		}
		s.conns = append(s.conns, c)
		cfg := s.cfg.clone()
		s.mu.Unlock()

		if cfg.Greeting != nil || cfg.StallGreeting {
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.refuse(c, cfg)
			}()
			continue
		}
		if cfg.Mode == ImplicitTLS {
			return tls.Server(c, s.tlsConf), nil
		}
		return c, nil
	}
}

// refuse handles a connection that must not get a normal greeting.
func (s *Server) refuse(c net.Conn, cfg Config) {
	defer c.Close()
	if cfg.Mode == ImplicitTLS {
		tc := tls.Server(c, s.tlsConf)
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if err := tc.Handshake(); err != nil {
			return
		}
		c.SetDeadline(time.Time{})
		c = tc
	}
	if cfg.StallGreeting {
		<-s.done
		return
	}
	out := cfg.Greeting.wire()
	if cfg.Transcript {
		s.log.Printf("%s", strings.TrimRight(out, "\r\n"))
	}
	io.WriteString(c, out)
}

// trackedConn is the raw TCP connection under everything (including TLS).
// It watches the unencrypted bytes go-smtp reads, because go-smtp's backend
// API does not say whether a session is being opened by EHLO or by HELO,
// which NoEHLO needs to know.
type trackedConn struct {
	net.Conn
	line        []byte // start of the line being read
	lastVerb    string // first word of the last complete line read
	tlsRejected bool   // NoEHLO already rejected a greeting on the TLS layer
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			verb, _, _ := strings.Cut(strings.TrimSpace(string(c.line)), " ")
			c.lastVerb = strings.ToUpper(verb)
			c.line = c.line[:0]
		} else if len(c.line) < 16 {
			c.line = append(c.line, b)
		}
	}
	return n, err
}

func rawConn(c *smtp.Conn) *trackedConn {
	nc := c.Conn()
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	rc, _ := nc.(*trackedConn)
	return rc
}

var errNoEHLO = &smtp.SMTPError{Code: 502, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "EHLO not supported, use HELO"}

// rejectEHLO reports whether NoEHLO must refuse the greeting being handled.
// On an encrypted layer the bytes trackedConn sees are ciphertext, so there
// the first greeting of the layer is refused instead: clients send EHLO
// first and fall back to HELO, which then succeeds.
func rejectEHLO(c *smtp.Conn) bool {
	rc := rawConn(c)
	if rc == nil {
		return false
	}
	if _, isTLS := c.TLSConnectionState(); !isTLS {
		return rc.lastVerb == "EHLO"
	}
	if !rc.tlsRejected {
		rc.tlsRejected = true
		return true
	}
	return false
}
