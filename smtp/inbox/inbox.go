package inbox

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// Defaults for Options.
const (
	DefaultAddr            = "127.0.0.1:2525"
	DefaultMaxMessages     = 200
	DefaultMaxMessageBytes = 10 << 20
	// Timeouts for each read and write on a connection.
	ReadTimeout  = 60 * time.Second
	WriteTimeout = 60 * time.Second
	// MaxRecipients is the most RCPT TO a message can have.
	MaxRecipients = 100
)

// ErrNotLoopback: the listen address is not on this computer's loopback
// interface. The inbox accepts any sender, so it never listens elsewhere.
var ErrNotLoopback = errors.New("the local test inbox only listens on a loopback address")

// Options configure Start. The zero value is the app's "Local test inbox".
type Options struct {
	// Addr is the address to listen on, which must be a loopback address
	// (127.0.0.0/8, ::1 or "localhost"). "" means DefaultAddr with Fallback.
	Addr string
	// Fallback: if Addr cannot be used (its port is busy), listen on a free
	// port of the same host instead. Always on when Addr is "".
	Fallback bool
	// Dir keeps the CA and the server certificate (0700 directory, 0600
	// files; created if missing), so the same CA stays trusted across
	// restarts. "" keeps them in memory and writes the CA certificate alone
	// to a temporary file, removed by Close.
	Dir string
	// CheckLogin decides AUTH. When it is set, MAIL needs a successful AUTH
	// first. When nil, AUTH is still offered (after STARTTLS) and any
	// non-empty user name and password are accepted, and mail may be sent
	// without AUTH.
	CheckLogin func(username, password string) bool
	// MaxMessages is how many messages are kept, the oldest dropped first;
	// 0 means DefaultMaxMessages.
	MaxMessages int
	// MaxMessageBytes is the largest message accepted, advertised as SIZE;
	// 0 means DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// Store, if set, keeps the messages on disk: those it holds are loaded
	// at Start, each new one is added, and Clear empties it. A store that
	// cannot be read or written is reported through Logf; the inbox works
	// on in memory.
	Store *Store
	// Logf, if set, receives connection errors (a failed handshake, a
	// dropped connection). Nothing it is given holds a message or a
	// credential.
	Logf func(format string, args ...any)
}

// Message is one message the inbox received.
type Message struct {
	ID       int       // 1, 2, 3, ... in order of arrival; never reused, even after Clear
	Received time.Time // when the message was accepted
	From     string    // the envelope sender (MAIL FROM), "" for a bounce
	To       []string  // the envelope recipients (RCPT TO)
	Subject  string    // the Subject header, RFC 2047 words decoded
	Header   mail.Header
	// Text is the text/plain body, transfer encoding undone and as UTF-8
	// (for multipart, the first text/plain part); if there is none, the
	// raw body.
	Text     string
	Raw      []byte // the message exactly as received, CRLF line ends
	TLS      bool   // received over TLS (after STARTTLS)
	Username string // who authenticated, "" if the client did not
}

func (m Message) clone() Message {
	m.To = slices.Clone(m.To)
	m.Raw = slices.Clone(m.Raw)
	if m.Header != nil {
		h := make(mail.Header, len(m.Header))
		for k, v := range m.Header {
			h[k] = slices.Clone(v)
		}
		m.Header = h
	}
	return m
}

// Server is a running local test inbox.
type Server struct {
	opts   Options
	ln     net.Listener
	gs     *gosmtp.Server
	caFile string
	tmpCA  bool // caFile is a temporary file that Close removes
	served chan struct{}

	mu       sync.Mutex
	closed   bool
	messages []Message
	nextID   int
	subs     []subscriber
	nextSub  int
	inFlight sync.WaitGroup // deliveries running, so Close can wait for them

	closeOnce sync.Once
	closeErr  error
}

type subscriber struct {
	id int
	fn func(Message)
}

// Start makes or loads the certificates, listens and serves in the background.
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr, opts.Fallback = DefaultAddr, true
	}
	if opts.MaxMessages <= 0 {
		opts.MaxMessages = DefaultMaxMessages
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	host, port, err := loopbackAddr(opts.Addr)
	if err != nil {
		return nil, err
	}

	ca, leaf, err := loadCertificates(opts.Dir, time.Now())
	if err != nil {
		return nil, err
	}
	cert, err := leaf.TLSCertificate()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	s := &Server{opts: opts, nextID: 1, served: make(chan struct{})}
	if opts.Store != nil {
		msgs, next, err := opts.Store.Load()
		if err != nil {
			s.logf("%v", err)
		}
		if over := len(msgs) - opts.MaxMessages; over > 0 {
			msgs = msgs[over:]
		}
		s.messages, s.nextID = msgs, max(next, 1)
	}
	if opts.Dir != "" {
		s.caFile = filepath.Join(opts.Dir, CACertFile)
	} else if s.caFile, err = writeTempCA(ca.CertPEM); err != nil {
		return nil, err
	}
	s.tmpCA = opts.Dir == ""

	s.ln, err = net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil && opts.Fallback {
		var err2 error
		if s.ln, err2 = net.Listen("tcp", net.JoinHostPort(host, "0")); err2 != nil {
			err = errors.Join(err, err2)
		} else {
			err = nil
		}
	}
	if err != nil {
		s.removeTempCA()
		return nil, fmt.Errorf("local test inbox: %w", err)
	}

	gs := gosmtp.NewServer(backend{s})
	gs.Domain = "localhost"
	gs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	gs.AllowInsecureAuth = false
	gs.ReadTimeout = ReadTimeout
	gs.WriteTimeout = WriteTimeout
	gs.MaxRecipients = MaxRecipients
	gs.MaxMessageBytes = opts.MaxMessageBytes
	gs.EnableSMTPUTF8 = true
	gs.ErrorLog = logger{opts.Logf}
	s.gs = gs
	go func() {
		defer close(s.served)
		if err := gs.Serve(s.ln); err != nil {
			s.logf("local test inbox stopped: %v", err)
		}
	}()
	return s, nil
}

// loopbackAddr checks that addr is on a loopback interface and returns the
// host to listen on ("localhost" becomes 127.0.0.1, an empty host too).
func loopbackAddr(addr string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(addr)
	if err != nil {
		return "", "", fmt.Errorf("local test inbox address %q: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", "", fmt.Errorf("local test inbox address %q: invalid port", addr)
	}
	switch host {
	case "", "localhost":
		return "127.0.0.1", port, nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", "", fmt.Errorf("%w: %q", ErrNotLoopback, addr)
	}
	return host, port, nil
}

func writeTempCA(pem []byte) (string, error) {
	f, err := os.CreateTemp("", "smtpconf-inbox-ca-*.pem")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	_, err = f.Write(pem)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	return f.Name(), nil
}

func (s *Server) removeTempCA() {
	if s.tmpCA && s.caFile != "" {
		_ = os.Remove(s.caFile)
	}
}

// Addr is the address the server listens on, "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port is the port the server listens on.
func (s *Server) Port() int {
	if a, ok := s.ln.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// CAFile is the path of the CA certificate (PEM) that signed the server's
// certificate. A profile for the inbox uses it as its CA file, so TLS is
// verified like with any other server.
func (s *Server) CAFile() string { return s.caFile }

// Messages returns copies of the messages kept, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = m.clone()
	}
	return out
}

// Subscribe calls fn with a copy of each new message, from the goroutine
// that received it (a GUI marshals it onto its own thread). fn must not
// block for long, and must not call Close. cancel stops the calls; it can
// be called more than once.
func (s *Server) Subscribe(fn func(Message)) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextSub++
	id := s.nextSub
	s.subs = append(s.subs, subscriber{id: id, fn: fn})
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.subs = slices.DeleteFunc(s.subs, func(sub subscriber) bool { return sub.id == id })
	}
}

// Clear forgets every message kept, on disk too when there is a Store. IDs
// keep counting up.
func (s *Server) Clear() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = nil
	if s.opts.Store != nil {
		return s.opts.Store.Clear()
	}
	return nil
}

// Close stops listening, ends open connections, waits for a delivery in
// progress (and its Subscribe calls) to finish and removes a temporary CA
// file. Messages stay readable. Calling it again returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		err := s.gs.Close()
		// Serve may not have registered the listener yet; closing it here
		// too makes sure Accept ends.
		_ = s.ln.Close()
		<-s.served
		s.inFlight.Wait()
		s.removeTempCA()
		if errors.Is(err, gosmtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
			err = nil
		}
		s.closeErr = err
	})
	return s.closeErr
}

// beginDelivery reports whether a message may still be delivered and, if
// so, counts it as in flight: the caller then calls inFlight.Done.
func (s *Server) beginDelivery() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.inFlight.Add(1)
	return true
}

// deliver stores m and tells the subscribers.
func (s *Server) deliver(m Message) {
	s.mu.Lock()
	m.ID = s.nextID
	s.nextID++
	s.messages = append(s.messages, m)
	if over := len(s.messages) - s.opts.MaxMessages; over > 0 {
		s.messages = slices.Delete(s.messages, 0, over)
	}
	// Under the lock, so the store's order is the arrival order and a
	// Clear cannot slip between.
	if s.opts.Store != nil {
		if err := s.opts.Store.Add(m, s.opts.MaxMessages); err != nil {
			s.logf("%v", err)
		}
	}
	subs := slices.Clone(s.subs)
	s.mu.Unlock()
	for _, sub := range subs {
		sub.fn(m.clone())
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// logger passes go-smtp's error log to Options.Logf. go-smtp logs only
// connection-level errors there, never message data or credentials.
type logger struct{ f func(string, ...any) }

func (l logger) Printf(format string, v ...any) {
	if l.f != nil {
		l.f(format, v...)
	}
}

func (l logger) Println(v ...any) {
	if l.f != nil {
		l.f("%s", fmt.Sprintln(v...))
	}
}
