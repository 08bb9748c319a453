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
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mode selects how the listener uses TLS.
type Mode int

const (
	// Plain never offers TLS; STARTTLS is answered with 502.
	Plain Mode = iota
	// STARTTLS listens unencrypted and advertises STARTTLS (submission, 587).
	STARTTLS
	// ImplicitTLS starts TLS before the greeting (submissions, 465).
	ImplicitTLS
)

func (m Mode) String() string {
	switch m {
	case Plain:
		return "Plain"
	case STARTTLS:
		return "STARTTLS"
	case ImplicitTLS:
		return "ImplicitTLS"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Reply is an SMTP reply the server sends instead of its normal answer.
type Reply struct {
	Code     int    // 200..599
	Enhanced string // RFC 3463 code such as "5.7.8"; "" sends none
	Message  string // may contain "\n" for a multi-line reply
}

func (r Reply) String() string {
	if r.Enhanced == "" {
		return fmt.Sprintf("%d %s", r.Code, r.Message)
	}
	return fmt.Sprintf("%d %s %s", r.Code, r.Enhanced, r.Message)
}

// wire formats r the way go-smtp would, for the paths where we answer
// without go-smtp (the greeting).
func (r Reply) wire() string {
	lines := strings.Split(r.Message, "\n")
	var b strings.Builder
	for _, l := range lines[:len(lines)-1] {
		fmt.Fprintf(&b, "%d-%s\r\n", r.Code, l)
	}
	last := Reply{Code: r.Code, Enhanced: r.Enhanced, Message: lines[len(lines)-1]}
	b.WriteString(last.String() + "\r\n")
	return b.String()
}

func (r Reply) validate() error {
	if r.Code < 200 || r.Code > 599 {
		return fmt.Errorf("reply code %d out of range 200..599", r.Code)
	}
	if _, err := parseEnhanced(r.Enhanced); err != nil {
		return err
	}
	return nil
}

// err converts r to the error type go-smtp turns into a reply verbatim.
func (r Reply) err() error {
	ec, _ := parseEnhanced(r.Enhanced) // validated in Start/Set
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: ec, Message: r.Message}
}

func parseEnhanced(s string) (smtp.EnhancedCode, error) {
	if s == "" {
		// go-smtp would otherwise invent X.0.0; tests asking for no code
		// want to see how the client copes without one.
		return smtp.NoEnhancedCode, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return smtp.EnhancedCode{}, fmt.Errorf("enhanced code %q is not class.subject.detail", s)
	}
	var ec smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 999 {
			return smtp.EnhancedCode{}, fmt.Errorf("enhanced code %q is not class.subject.detail", s)
		}
		ec[i] = n
	}
	return ec, nil
}

// Values for Config.StallAt.
const (
	StallEHLO = "ehlo" // EHLO/HELO gets no reply
	StallTLS  = "tls"  // the TLS handshake stops after the ClientHello (both modes)
	StallAuth = "auth" // AUTH gets no reply
	StallMail = "mail" // MAIL FROM gets no reply
	StallRcpt = "rcpt" // RCPT TO gets no reply
	StallData = "data" // the body is read in full, the final reply never comes
)

// Config describes the server. Fields marked "fixed" are baked into
// go-smtp or the listener at Start and cannot be changed with Set; all others
// are read afresh for every command, so Set takes effect on the next command.
type Config struct {
	Mode Mode // fixed

	// Users maps username to password. Empty means AUTH is not advertised
	// and AUTH commands get 502 5.7.0 (unless XOAUTH2 is set).
	Users map[string]string
	// XOAUTH2, if set, advertises AUTH XOAUTH2 (after the default
	// mechanisms) and decides whether an access token is valid for a user.
	// A refused token gets what Gmail sends: a 334 challenge with a JSON
	// error, then 535 5.7.8.
	XOAUTH2 func(username, token string) bool
	// Mechanisms to advertise when Users is set; default PLAIN, LOGIN,
	// CRAM-MD5. A mechanism outside those three may be listed to see how a
	// client copes with an unusable offer; using it gets 504 5.7.4, as does
	// any mechanism not listed.
	Mechanisms []string
	// AllowInsecureAuth advertises and accepts AUTH on an unencrypted link
	// (go-smtp refuses with 523 5.7.10 otherwise). Fixed.
	AllowInsecureAuth bool
	// RequireTLSForMail answers MAIL on an unencrypted link with
	// "530 5.7.0 Must issue a STARTTLS command first", like submission
	// servers that allow EHLO but nothing else before TLS.
	RequireTLSForMail bool
	// RequireAuth answers MAIL from an unauthenticated client with
	// "530 5.7.0 Authentication required".
	RequireAuth bool

	// CertHosts are the names/IPs in the server certificate; default
	// localhost and 127.0.0.1. Set e.g. {"other.example"} for a name
	// mismatch. Fixed.
	CertHosts []string
	// CA issues the server certificate; nil means a fresh CA per server.
	// Share one CA between servers, or pass a CA the client does not trust
	// (Server.CAFile then names that CA, still not the client's). Fixed.
	CA *CA
	// Certificate, if set, is served instead of one issued for CertHosts,
	// e.g. an expired one from CA.IssueValidity. Fixed.
	Certificate *tls.Certificate
	// Domain is the name in the greeting; default "localhost". Fixed.
	Domain string

	// Greeting is sent instead of the 220 greeting, then the connection is
	// closed (e.g. 421 4.3.2 too busy, 554 no service). With ImplicitTLS
	// it is sent after the handshake, as a real server would.
	Greeting *Reply
	// StallGreeting accepts the connection (and completes the TLS handshake
	// with ImplicitTLS) but never greets.
	StallGreeting bool
	// FailAuth is the reply to AUTH, sent after the client's credentials
	// whatever they are. A 504 (mechanism rejected) is sent right after the
	// AUTH command instead, where servers send it.
	FailAuth *Reply
	FailMail *Reply // reply to MAIL FROM
	FailRcpt *Reply // reply to every RCPT TO
	FailData *Reply // reply at the end of DATA, after the whole body arrived
	// DropMidData closes the TCP connection after the first bytes of the
	// body, without a reply: the client cannot know whether mail was sent.
	DropMidData bool
	// StallAt stops answering at one point of the dialogue (see the Stall*
	// constants) until the server is closed, to test client timeouts.
	StallAt string
	// MaxMessageBytes advertises SIZE and rejects a bigger declared SIZE at
	// MAIL, or a bigger body at the end of DATA, with 552 5.3.4. Fixed.
	MaxMessageBytes int64
	// NoEHLO answers EHLO with 502 5.5.1 so the client must fall back to
	// HELO (and so sees no extensions: no STARTTLS, no AUTH). go-smtp
	// consults the backend only for the first successful greeting of a
	// connection, so an EHLO sent after HELO succeeded is accepted.
	NoEHLO bool

	// Transcript logs the decrypted dialogue through t.Logf. Lines of
	// concurrent connections interleave. Fixed.
	Transcript bool
}

var defaultMechanisms = []string{sasl.Plain, sasl.Login, "CRAM-MD5"}

func (c Config) clone() Config {
	c.Users = maps.Clone(c.Users)
	c.Mechanisms = slices.Clone(c.Mechanisms)
	c.CertHosts = slices.Clone(c.CertHosts)
	return c
}

func (c Config) mechanisms() []string {
	if len(c.Users) == 0 && c.XOAUTH2 == nil {
		return nil
	}
	if c.Mechanisms == nil {
		if c.XOAUTH2 != nil {
			return append(slices.Clone(defaultMechanisms), "XOAUTH2")
		}
		return defaultMechanisms
	}
	return c.Mechanisms
}

func (c Config) validate() error {
	if c.Mode < Plain || c.Mode > ImplicitTLS {
		return fmt.Errorf("unknown %v", c.Mode)
	}
	switch c.StallAt {
	case "", StallEHLO, StallTLS, StallAuth, StallMail, StallRcpt, StallData:
	default:
		return fmt.Errorf("unknown StallAt %q", c.StallAt)
	}
	for name, r := range map[string]*Reply{"Greeting": c.Greeting, "FailAuth": c.FailAuth, "FailMail": c.FailMail, "FailRcpt": c.FailRcpt, "FailData": c.FailData} {
		if r != nil {
			if err := r.validate(); err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
		}
	}
	return nil
}

// fixedChanged names the first Start-only field that differs between a and b.
func fixedChanged(a, b Config) string {
	switch {
	case a.Mode != b.Mode:
		return "Mode"
	case a.AllowInsecureAuth != b.AllowInsecureAuth:
		return "AllowInsecureAuth"
	case !slices.Equal(a.CertHosts, b.CertHosts):
		return "CertHosts"
	case a.CA != b.CA:
		return "CA"
	case a.Certificate != b.Certificate:
		return "Certificate"
	case a.Domain != b.Domain:
		return "Domain"
	case a.MaxMessageBytes != b.MaxMessageBytes:
		return "MaxMessageBytes"
	case a.Transcript != b.Transcript:
		return "Transcript"
	}
	return ""
}

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

// newSession runs on EHLO/HELO (go-smtp creates sessions lazily there, and
// again after STARTTLS), which makes it the hook for StallAt "ehlo".
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	cfg := s.config()
	if cfg.StallAt == StallEHLO {
		return nil, s.stall()
	}
	if cfg.NoEHLO && rejectEHLO(c) {
		return nil, errNoEHLO
	}
	return &session{s: s, c: c}, nil
}

var (
	errBadCredentials = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
	errMalformedAuth  = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Malformed authentication response"}
	errNeedTLS        = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	errNeedAuth       = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	errDropped        = errors.New("smtptest: connection dropped by DropMidData")
)

// session is one go-smtp session; all its methods run on the connection's
// goroutine, so its fields need no locking.
type session struct {
	s    *Server
	c    *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) isTLS() bool {
	_, ok := ss.c.TLSConnectionState()
	return ok
}

func (ss *session) AuthMechanisms() []string {
	return ss.s.config().mechanisms()
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	cfg := ss.s.config()
	if cfg.StallAt == StallAuth {
		return nil, ss.s.stall()
	}
	if len(cfg.Users) == 0 && cfg.XOAUTH2 == nil {
		return nil, smtp.ErrAuthUnsupported
	}
	if !slices.ContainsFunc(cfg.mechanisms(), func(m string) bool { return strings.EqualFold(m, mech) }) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	if cfg.FailAuth != nil && cfg.FailAuth.Code == 504 {
		return nil, cfg.FailAuth.err()
	}
	var pending string
	check := func(username, password string) error {
		if want, ok := cfg.Users[username]; !ok || want != password {
			return errBadCredentials
		}
		pending = username
		return nil
	}
	var inner sasl.Server
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		inner = sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return errBadCredentials // no proxy authorisation here
			}
			return check(username, password)
		})
	case sasl.Login:
		inner = &loginServer{check: check}
	case "CRAM-MD5":
		inner = newCRAMMD5Server(cfg.Domain, cfg.Users, check)
	case "XOAUTH2":
		if cfg.XOAUTH2 == nil {
			return nil, smtp.ErrAuthUnknownMechanism
		}
		inner = &xoauth2Server{check: func(username, token string) error {
			if !cfg.XOAUTH2(username, token) {
				return errBadCredentials
			}
			pending = username
			return nil
		}}
	default:
		return nil, smtp.ErrAuthUnknownMechanism
	}
	ex := &authExchange{inner: inner, pending: &pending, onOK: func(u string) { ss.user = u }}
	if cfg.FailAuth != nil {
		ex.fail = cfg.FailAuth.err()
	}
	return ex, nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	cfg := ss.s.config()
	switch {
	case cfg.StallAt == StallMail:
		return ss.s.stall()
	case cfg.RequireTLSForMail && !ss.isTLS():
		return errNeedTLS
	case cfg.RequireAuth && ss.user == "":
		return errNeedAuth
	case cfg.FailMail != nil:
		return cfg.FailMail.err()
	}
	ss.from, ss.to = from, nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	cfg := ss.s.config()
	switch {
	case cfg.StallAt == StallRcpt:
		return ss.s.stall()
	case cfg.FailRcpt != nil:
		return cfg.FailRcpt.err()
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	cfg := ss.s.config()
	if cfg.DropMidData {
		var buf [64]byte
		io.ReadAtLeast(r, buf[:], 1)
		// Close the TCP connection under any TLS layer: an abrupt end
		// without close_notify, like a crashed server or broken network.
		if rc := rawConn(ss.c); rc != nil {
			rc.Close()
		}
		return errDropped
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err // includes go-smtp's 552 5.3.4 for MaxMessageBytes
	}
	if cfg.StallAt == StallData {
		return ss.s.stall()
	}
	if cfg.FailData != nil {
		return cfg.FailData.err()
	}
	m := Message{From: ss.from, To: slices.Clone(ss.to), Data: data, Auth: ss.user, TLS: ss.isTLS()}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, m)
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }

// testLogger routes go-smtp's error log to t.Logf until the server is
// closed; testing panics on Logf after the test has finished, and go-smtp
// may log from connection goroutines at any time.
type testLogger struct {
	mu  sync.Mutex
	t   testing.TB
	off bool
}

func (l *testLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.off {
		l.t.Logf("smtptest: "+format, v...)
	}
}

func (l *testLogger) Println(v ...any) {
	l.Printf("%s", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

func (l *testLogger) stop() {
	l.mu.Lock()
	l.off = true
	l.mu.Unlock()
}

// lineWriter turns go-smtp's byte-wise debug stream into log lines.
type lineWriter struct {
	mu  sync.Mutex
	log *testLogger
	buf []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := slices.Index(w.buf, '\n')
		if i < 0 {
			break
		}
		w.log.Printf("%s", strings.TrimRight(string(w.buf[:i]), "\r"))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}
