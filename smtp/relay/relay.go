// Package relay is the local mail relay: an SMTP submission server for the
// programs on this computer (cron, scripts, a CMS, git send-email), which
// puts each message durably in the outbox and lets the outbox deliver it
// through a verified profile.
//
// A message is answered 250 only once it is committed and synced to disk
// (smtp/app's App.Submit); any failure to store it is a 451, never a lost
// message. The relay listens on loopback by default; any other address
// needs both AUTH (a relay credential kept in the keyring) and STARTTLS (a
// certificate the app makes and keeps in the config directory). It can also
// run the outbox worker, so messages other processes queued go out too.
//
// The window starts and stops a relay in-process with Start and Shutdown;
// `smtpconf relay` runs one until SIGTERM or SIGINT.
package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	gsmtp "github.com/emersion/go-smtp"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/app"
	"github.com/smtpconf/smtpconf/smtp/queue"
)

// DefaultListen is where the relay listens unless told otherwise: loopback,
// port 2587 (2525 is the local test inbox's; 587 needs root).
const DefaultListen = "127.0.0.1:2587"

// Defaults of the limits.
const (
	DefaultMaxSize       = 32 << 20 // bytes; the big providers take 25 to 35 MB
	DefaultMaxRecipients = 100
	// maxLine bounds one line read from a client (command or message),
	// far above the 1000 octets of RFC 5321 so that a long line in a
	// message gets a reply that names it rather than a closed connection.
	maxLine = 64 << 10
)

// Config is how a relay runs. The zero value listens on DefaultListen with
// the default limits, routes each message, and does not run the worker.
type Config struct {
	// Listen is host:port; "" means DefaultListen. Port 0 picks a free one
	// (Addr tells which).
	Listen string
	// Profile, if set, sends every message through this profile; else each
	// message is routed (submit.Route): the sender's profile, else the
	// default one.
	Profile string
	// RequireAuth asks local clients for the relay credential (Credential).
	RequireAuth bool
	// STARTTLS offers TLS with the certificate the app keeps in the config
	// directory (LoadCertificate).
	STARTTLS bool
	// MaxSize is the largest message in bytes (552 above it); 0 means
	// DefaultMaxSize.
	MaxSize int64
	// MaxRecipients per message (452 above it); 0 means
	// DefaultMaxRecipients.
	MaxRecipients int
	// RunWorker also delivers the outbox (every profile's due messages)
	// for as long as the relay runs. The command line sets it; the window
	// runs its own worker.
	RunWorker bool
	// CheckTimeout bounds each check of the upstream servers, which decides
	// how 8BITMIME and SMTPUTF8 are handled (see caps.go); 0 means 5 s.
	CheckTimeout time.Duration
	// RecheckInterval is how soon a server the check at start could not
	// reach is checked again (the wait doubles up to 15 minutes while it
	// stays out of reach; a delivery through it checks it at once); 0
	// means a minute.
	RecheckInterval time.Duration
	// Queue, if set, adjusts the worker's delivery settings (tests: trust
	// roots; the window: its event hook).
	Queue func(*queue.Config)

	// OnAccepted is told of each message once it is in the outbox.
	OnAccepted func(e queue.Entry, remote string)
	// OnRefused is told of each refused command or message: the reply sent.
	OnRefused func(remote string, code int, text string)
	// OnUpstream is told what the check at start found about a profile
	// (its extensions, or why it could not be checked), and of a server a
	// later check reached.
	OnUpstream func(profile string, extensions []string, err error)
	// OnDelivery is told of each delivery outcome of the worker.
	OnDelivery func(queue.Event)
	// OnWorkerError is told when a worker pass failed (the outbox itself).
	OnWorkerError func(error)
}

// Server is a running relay.
type Server struct {
	a   *app.App
	cfg Config
	srv *gsmtp.Server
	ln  net.Listener
	box *queue.Outbox

	user, pass string   // the relay credential, when RequireAuth
	up         upstream // what the profiles' servers offer

	mu       sync.Mutex
	inflight int
	closing  bool
	idle     *sync.Cond

	stopWorker context.CancelFunc
	workerDone chan struct{}
	served     chan struct{}
	serveErr   error
	stopOnce   sync.Once
}

// ErrExposed: the relay was asked to listen beyond this computer without
// both AUTH and STARTTLS.
var ErrExposed = errors.New("the relay listens beyond this computer only with --require-auth and --starttls")

// ListenError is a failure to listen (the port is taken, the address is not
// this computer's).
type ListenError struct {
	Addr string
	Err  error
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("cannot listen on %s: %v", e.Addr, e.Err)
}

// Unwrap returns the underlying error.
func (e *ListenError) Unwrap() error { return e.Err }

// Loopback reports whether the listen address stays on this computer.
func Loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	return err == nil && smtp.IsLoopbackHost(host)
}

// Start checks the configuration, opens the outbox, checks the upstream
// servers (bounded by CheckTimeout), listens and serves in the background.
func Start(ctx context.Context, a *app.App, cfg Config) (*Server, error) {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = DefaultMaxRecipients
	}
	if cfg.CheckTimeout <= 0 {
		cfg.CheckTimeout = 5 * time.Second
	}
	if cfg.RecheckInterval <= 0 {
		cfg.RecheckInterval = time.Minute
	}
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		return nil, &ListenError{Addr: cfg.Listen, Err: err}
	}
	loopback := Loopback(cfg.Listen)
	if !loopback && !(cfg.RequireAuth && cfg.STARTTLS) {
		return nil, ErrExposed
	}
	if cfg.Profile != "" {
		if _, err := a.Store().Get(cfg.Profile); err != nil {
			return nil, err
		}
	}
	s := &Server{a: a, cfg: cfg, served: make(chan struct{})}
	s.idle = sync.NewCond(&s.mu)
	if cfg.RequireAuth {
		var err error
		if s.user, s.pass, err = Credential(a.Secrets(), true); err != nil {
			return nil, err
		}
	}
	var tlsConf *tls.Config
	if cfg.STARTTLS {
		cert, err := LoadCertificate(a.Dir(), cfg.Listen, time.Now())
		if err != nil {
			return nil, err
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	box, err := a.Outbox()
	if err != nil {
		return nil, err
	}
	s.box = box

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, &ListenError{Addr: cfg.Listen, Err: err}
	}
	s.startChecks(ctx)
	s.ln = &filterListener{Listener: ln, up: &s.up}

	srv := gsmtp.NewServer(gsmtp.BackendFunc(s.newSession))
	srv.Domain = hostname()
	srv.MaxMessageBytes = cfg.MaxSize
	srv.MaxRecipients = cfg.MaxRecipients
	srv.MaxLineLength = maxLine
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.TLSConfig = tlsConf
	// AUTH in the clear only on loopback, where nothing crosses a network.
	srv.AllowInsecureAuth = loopback
	// Accepted whenever the relay's own check allows it (session.Mail), so
	// that a server reached later is used without a restart.
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv = srv

	if cfg.RunWorker {
		qcfg := a.QueueConfig()
		qcfg.OnEvent = cfg.OnDelivery
		if cfg.Queue != nil {
			cfg.Queue(&qcfg)
		}
		told := qcfg.OnEvent
		qcfg.OnEvent = func(ev queue.Event) {
			if ev.Kind == queue.EventSent {
				if _, known := s.up.caps(ev.Profile); !known {
					s.up.recheck() // its server answers now
				}
			}
			if told != nil {
				told(ev)
			}
		}
		w := box.NewWorker(qcfg)
		w.OnPass = func(_ queue.Summary, err error) {
			if err != nil && cfg.OnWorkerError != nil {
				cfg.OnWorkerError(err)
			}
		}
		wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		s.stopWorker, s.workerDone = stop, make(chan struct{})
		go func() {
			defer close(s.workerDone)
			_ = w.Run(wctx)
		}()
	}
	go func() {
		defer close(s.served)
		if err := srv.Serve(s.ln); err != nil && !errors.Is(err, net.ErrClosed) {
			s.serveErr = err
		}
	}()
	return s, nil
}

// Addr is the address the relay listens on (host:port).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Config is the configuration the relay runs with, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Done is closed when the relay has stopped serving.
func (s *Server) Done() <-chan struct{} { return s.served }

// Shutdown stops the relay cleanly: it stops accepting connections,
// answers new messages 421, waits for the messages being stored to be
// committed (until ctx ends), closes every connection and stops the
// worker (a message being delivered is left due again).
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		s.mu.Unlock()
		_ = s.ln.Close()
		waited := make(chan struct{})
		go func() {
			s.mu.Lock()
			for s.inflight > 0 {
				s.idle.Wait()
			}
			s.mu.Unlock()
			close(waited)
		}()
		select {
		case <-waited:
		case <-ctx.Done():
			err = ctx.Err()
		}
		_ = s.srv.Close()
		<-s.served
		if s.stopWorker != nil {
			s.stopWorker()
			<-s.workerDone
		}
		s.stopChecks()
	})
	if err == nil {
		err = s.serveErr
	}
	return err
}

// begin counts a message being stored; false when the relay is closing.
func (s *Server) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.inflight++
	return true
}

func (s *Server) end() {
	s.mu.Lock()
	s.inflight--
	if s.inflight == 0 {
		s.idle.Broadcast()
	}
	s.mu.Unlock()
}

func hostname() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}
