package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	gsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// Status is the state of a stage in a progress event.
type Status string

// Stage states reported through Options.Progress.
const (
	StatusRunning Status = "running"
	StatusOK      Status = "ok"
	StatusFailed  Status = "failed"
	StatusSkipped Status = "skipped"
)

// Event is one progress report: a stage started, finished or failed.
type Event struct {
	Stage   Stage
	Status  Status
	Detail  string        // e.g. "TLS 1.3, certificate valid until 2027-01-02"
	Elapsed time.Duration // since the exchange started
}

// Options configure a connection. Only Profile is required.
type Options struct {
	Profile Profile
	// Secret returns the password or token. It is called once, before the
	// connection is made, and only when the profile authenticates.
	Secret func() (string, error)
	// Token, if set, supplies the OAuth2 access token of a profile whose
	// auth is xoauth2 (instead of Secret): before connecting, and once more
	// with force set if the server refuses the token (535 or 334 at AUTH),
	// after which the connection is made again once. See package smtp/oauth.
	Token TokenFunc
	// Progress, if set, receives an event at the start and end of each stage.
	// It is called from the connecting goroutine; the GUI marshals it itself.
	Progress func(Event)
	// Transcript receives the dialogue; one is made when nil.
	Transcript *Transcript
	// DialContext replaces the network dialer (tests, detection with a custom resolver).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Resolver replaces the system resolver for the host lookup.
	Resolver *net.Resolver
	// RootCAs replaces the trust roots (tests); the profile's CA file wins over it.
	RootCAs *x509.CertPool
}

// Session is an open, greeted and (if the profile says so) authenticated
// connection. Several messages can be sent over one session.
type Session struct {
	opts       Options
	p          Profile
	host       string // ASCII form of the host, used for TLS and AUTH
	tr         *Transcript
	start      time.Time
	raw        net.Conn
	c          *gsmtp.Client
	stopCancel func() bool
	secret     string
	// caRoots are the profile's CA file's certificates, read and parsed
	// once by setup's validation; nil without a CA file.
	caRoots *x509.CertPool
	// oauthRetried: this session is the one retry with a fresh token.
	oauthRetried bool

	Greeting   string
	TLSState   *tls.ConnectionState
	Encrypted  bool
	AuthMech   string   // mechanism used, "" if none
	Capability []string // EHLO keywords after TLS
	AuthMechs  []string // mechanisms the server offered
	closeOnce  sync.Once
}

var errInsecureAuth = errors.New("refusing to send a password over an unencrypted connection")

// Dial connects, greets, secures and authenticates as the profile says,
// reporting each stage. Any error is an *Error carrying its stage.
func Dial(ctx context.Context, opts Options) (*Session, error) {
	s := &Session{opts: opts, p: opts.Profile, tr: opts.Transcript, start: time.Now()}
	if s.tr == nil {
		s.tr = NewTranscript()
	}
	if err := s.setup(ctx); err != nil {
		s.event(StageSetup, StatusFailed, "")
		return nil, s.fail(StageSetup, err)
	}
	if err := s.connect(ctx); err != nil {
		var retry *oauthRetry
		if errors.As(err, &retry) {
			return s.retryOAuth(ctx, retry)
		}
		s.Close()
		return nil, err
	}
	return s, nil
}

// Transcript returns the dialogue so far.
func (s *Session) Transcript() *Transcript { return s.tr }

// Elapsed is the time since Dial started.
func (s *Session) Elapsed() time.Duration { return time.Since(s.start) }

func (s *Session) event(st Stage, status Status, detail string) {
	if s.opts.Progress != nil {
		s.opts.Progress(Event{Stage: st, Status: status, Detail: s.tr.Scrub(detail), Elapsed: time.Since(s.start)})
	}
}

// fail wraps err as an *Error of the given stage (keeping an inner *Error's
// stage) and reports the stage as failed.
func (s *Session) fail(st Stage, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Stage: st, Err: err}
	}
	var tp *textproto.Error
	if e.Code == 0 && errors.As(err, &tp) {
		e.Code = tp.Code
		e.Enhanced, e.Reply = splitEnhanced(tp.Msg)
		// go-mail logs only the replies it expected; the refusal itself
		// belongs in the transcript too.
		if st != StageConnect && s.tr.lastServerLine() != fmt.Sprintf("%d %s", tp.Code, lastLine(tp.Msg)) {
			s.tr.server(tp.Code, tp.Msg)
		}
	}
	e.redact(s.tr)
	s.event(e.Stage, StatusFailed, e.Summary())
	return e
}

func (s *Session) setup(ctx context.Context) error {
	p := s.p
	if err := p.validate(&s.caRoots); err != nil {
		return err
	}
	host, err := ASCIIHost(strings.TrimSuffix(p.Host, "."))
	if err != nil {
		return err
	}
	s.host = host
	if p.Security == SecurityNone && !IsLoopbackHost(host) && p.NeedsSecret() &&
		(p.Auth == AuthPlain || p.Auth == AuthLogin) {
		return fmt.Errorf("%w: security is none and %s is not this computer", errInsecureAuth, p.Host)
	}
	if p.NeedsSecret() {
		get := s.opts.Secret
		if p.Auth == AuthXOAUTH2 && s.opts.Token != nil {
			get = func() (string, error) { return s.opts.Token(ctx, false) }
		}
		if get == nil {
			return ErrSecretNotFound
		}
		secret, err := get()
		if err != nil {
			return oauthTokenError(err)
		}
		if secret == "" {
			return ErrSecretNotFound
		}
		s.tr.Protect(p.Username, secret)
		s.secret = secret
	}
	return nil
}

func (s *Session) tlsConfig() *tls.Config {
	cfg := &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12, RootCAs: s.opts.RootCAs}
	if s.caRoots != nil {
		// The CA file replaces the system roots, as msmtp's tls_trust_file does;
		// the system roots are then never loaded at all.
		cfg.RootCAs = s.caRoots
	}
	if s.p.InsecureSkipVerify {
		cfg.InsecureSkipVerify = true
	}
	return cfg
}

func (s *Session) connect(ctx context.Context) error {
	p := s.p
	timeout := p.EffectiveTimeout()
	tlsCfg := s.tlsConfig()
	s.event(StageSetup, StatusOK, "")

	// Connect.
	addr := net.JoinHostPort(s.host, fmt.Sprint(p.Port))
	s.event(StageConnect, StatusRunning, addr)
	s.tr.Note("connecting to %s (%s, timeout %s per step)", addr, p.Security, timeout)
	dial := s.opts.DialContext
	if dial == nil {
		d := &net.Dialer{Timeout: timeout, Resolver: s.opts.Resolver}
		dial = d.DialContext
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	raw, err := dial(dctx, "tcp", addr)
	cancel()
	if err != nil {
		return s.fail(StageConnect, withCtx(ctx, err))
	}
	s.raw = raw
	// Cancelling the context closes the socket, which ends any blocked read.
	s.stopCancel = context.AfterFunc(ctx, func() { _ = raw.Close() })
	s.tr.Note("connected to %s", raw.RemoteAddr())
	var conn net.Conn = &idleConn{Conn: raw, timeout: timeout}

	if p.Security == SecurityTLS {
		s.event(StageTLS, StatusRunning, "")
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return s.fail(StageTLS, &Error{Stage: StageTLS, BeforeGreeting: true, Err: withCtx(ctx, err)})
		}
		st := tc.ConnectionState()
		s.TLSState, s.Encrypted = &st, true
		s.tr.Note("%s", tlsSummary(&st, p.InsecureSkipVerify))
		s.event(StageTLS, StatusOK, tlsSummary(&st, p.InsecureSkipVerify))
		conn = tc
	}

	// The greeting. We read it ourselves so the transcript shows it and a
	// refusal (421, 554) carries its code; go-mail then reads it again from
	// the replay buffer.
	greeting, code, buffered, err := readGreeting(conn)
	if err != nil && code != 0 {
		s.tr.server(code, greeting)
	}
	if err != nil {
		if code == 0 && p.Security != SecurityTLS && isTimeout(err) && ctx.Err() == nil &&
			s.probeImplicitTLS(ctx, dial, addr, tlsCfg, timeout) {
			// Silence, but the port completes a TLS handshake: the classic
			// "STARTTLS on port 465" mistake. Say so instead of "timeout".
			s.tr.Note("no greeting; a second connection completed a TLS handshake: the port expects SSL/TLS")
			err = fmt.Errorf("%w: %v", ErrExpectsImplicitTLS, err)
		}
		return s.fail(StageConnect, &Error{Stage: StageConnect, BeforeGreeting: code == 0, Err: withCtx(ctx, err)})
	}
	s.tr.server(code, greeting)
	s.Greeting = fmt.Sprintf("%d %s", code, firstLine(greeting))
	s.event(StageConnect, StatusOK, s.Greeting)
	c, err := gsmtp.NewClient(&replayConn{Conn: conn, pending: buffered}, s.host)
	if err != nil {
		return s.fail(StageConnect, withCtx(ctx, err))
	}
	s.c = c
	c.SetLogger(logger{s.tr})
	c.SetDebugLog(true)

	// EHLO.
	s.event(StageEHLO, StatusRunning, "")
	if err := c.Hello(s.heloName()); err != nil {
		return s.fail(StageEHLO, withCtx(ctx, err))
	}
	s.readCapabilities()
	s.event(StageEHLO, StatusOK, strings.Join(s.Capability, " "))

	switch p.Security {
	case SecuritySTARTTLS:
		s.event(StageTLS, StatusRunning, "STARTTLS")
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return s.fail(StageTLS, &Error{Stage: StageTLS, Err: ErrNoSTARTTLS})
		}
		if err := c.StartTLS(tlsCfg); err != nil {
			return s.fail(StageTLS, withCtx(ctx, err))
		}
		if st, ok := c.TLSConnectionState(); ok {
			s.TLSState = &st
		}
		s.Encrypted = true
		s.readCapabilities()
		sum := tlsSummary(s.TLSState, p.InsecureSkipVerify)
		s.tr.Note("%s", sum)
		s.event(StageTLS, StatusOK, sum)
	case SecurityNone:
		s.event(StageTLS, StatusSkipped, l10n.L("no encryption"))
	}

	return s.auth(ctx)
}

// ErrExpectsImplicitTLS: the port stayed silent in plain text but answers a
// TLS handshake, so it wants security "tls".
var ErrExpectsImplicitTLS = errors.New("port expects implicit TLS")

// probeImplicitTLS reports whether addr completes a TLS handshake. Only the
// handshake is done (no SMTP), with the same verification settings.
func (s *Session) probeImplicitTLS(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), addr string, cfg *tls.Config, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer raw.Close()
	probe := cfg.Clone()
	// Only the protocol matters here, not whether the certificate is trusted.
	probe.InsecureSkipVerify = true
	tc := tls.Client(raw, probe)
	return tc.HandshakeContext(ctx) == nil
}

// ErrNoSTARTTLS: the profile wants STARTTLS and the server does not offer it.
var ErrNoSTARTTLS = errors.New("server does not offer STARTTLS")

// ErrNoCommonMechanism: none of the server's AUTH mechanisms is one we can use safely.
var ErrNoCommonMechanism = errors.New("no common authentication mechanism")

// ErrNoAuthOffered: the profile must authenticate but the server offers no AUTH.
var ErrNoAuthOffered = errors.New("server offers no authentication")

func (s *Session) auth(ctx context.Context) error {
	p := s.p
	if !p.NeedsSecret() {
		s.event(StageAuth, StatusSkipped, l10n.L("no authentication"))
		return nil
	}
	s.event(StageAuth, StatusRunning, "")
	ok, _ := s.c.Extension("AUTH")
	if !ok {
		if p.Auth == AuthAuto {
			s.tr.Note("server offers no AUTH; continuing without authentication")
			s.event(StageAuth, StatusSkipped, l10n.L("server offers no authentication"))
			return nil
		}
		return s.fail(StageAuth, ErrNoAuthOffered)
	}
	safe := s.Encrypted || IsLoopbackHost(s.host)
	mech, err := chooseMechanism(p.Auth, s.AuthMechs, safe)
	if err != nil {
		return s.fail(StageAuth, err)
	}
	var a gsmtp.Auth
	switch mech {
	case "PLAIN":
		a = gsmtp.PlainAuth("", p.Username, s.secret, s.host, true)
	case "LOGIN":
		a = gsmtp.LoginAuth(p.Username, s.secret, s.host, true)
	case "CRAM-MD5":
		a = gsmtp.CRAMMD5Auth(p.Username, s.secret)
	case "XOAUTH2":
		a = gsmtp.XOAuth2Auth(p.Username, s.secret)
	case "SCRAM-SHA-256":
		a = gsmtp.ScramSHA256Auth(p.Username, s.secret)
	case "SCRAM-SHA-1":
		a = gsmtp.ScramSHA1Auth(p.Username, s.secret)
	}
	s.tr.beginAuth(mech)
	err = s.c.Auth(a)
	s.tr.endAuth()
	if err != nil && mech == "XOAUTH2" && s.opts.Token != nil && !s.oauthRetried && refusedToken(err) && ctx.Err() == nil {
		return &oauthRetry{err: err}
	}
	if err != nil {
		return s.fail(StageAuth, withCtx(ctx, err))
	}
	s.AuthMech = mech
	s.event(StageAuth, StatusOK, l10n.L("AUTH {{.Mechanism}} accepted", map[string]any{"Mechanism": mech}))
	return nil
}

// chooseMechanism picks the mechanism to use. Auto takes the strongest one
// offered; PLAIN and LOGIN reveal the password, so they are only chosen on an
// encrypted link or to this computer.
func chooseMechanism(want AuthMethod, offered []string, safe bool) (string, error) {
	has := func(m string) bool { return slices.Contains(offered, m) }
	if want != AuthAuto {
		m := want.Mechanism()
		if (m == "PLAIN" || m == "LOGIN") && !safe {
			return "", errInsecureAuth
		}
		// An explicit choice is tried even if not advertised: the server's
		// answer (504 5.7.4) is clearer than ours.
		return m, nil
	}
	prefs := []string{"SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN"}
	for _, m := range prefs {
		if !has(m) {
			continue
		}
		if (m == "PLAIN" || m == "LOGIN") && !safe {
			continue
		}
		return m, nil
	}
	if !safe && (has("PLAIN") || has("LOGIN")) {
		return "", errInsecureAuth
	}
	return "", fmt.Errorf("%w: server offers %s", ErrNoCommonMechanism, strings.Join(offered, " "))
}

func (s *Session) heloName() string {
	if h := s.p.HELO; h != "" {
		// RFC 5321 wants address literals in brackets.
		if ip := net.ParseIP(h); ip != nil {
			if ip.To4() != nil {
				return "[" + h + "]"
			}
			return "[IPv6:" + h + "]"
		}
		return h
	}
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") && ValidateHost(h) == nil {
		return h
	}
	return "localhost"
}

// readCapabilities takes the EHLO keywords from the transcript's last EHLO reply.
func (s *Session) readCapabilities() {
	s.Capability = s.tr.lastEHLO()
	s.AuthMechs = nil
	for _, c := range s.Capability {
		f := strings.Fields(c)
		if len(f) > 0 && (strings.EqualFold(f[0], "AUTH") || strings.EqualFold(f[0], "AUTH=")) {
			for _, m := range f[1:] {
				s.AuthMechs = append(s.AuthMechs, strings.ToUpper(m))
			}
		}
	}
}

// Send transmits one message. The session stays usable after a failure
// that the server reported (a 4xx or 5xx reply); a network error ends it.
func (s *Session) Send(ctx context.Context, from string, to []string, msg []byte) (string, error) {
	if s.c == nil {
		return "", s.fail(StageMail, net.ErrClosed)
	}
	s.event(StageMail, StatusRunning, from)
	if NeedsSMTPUTF8(from) || slices.ContainsFunc(to, NeedsSMTPUTF8) {
		if ok, _ := s.c.Extension("SMTPUTF8"); !ok {
			return "", s.fail(StageMail, ErrNeedsSMTPUTF8)
		}
	}
	if err := s.c.Mail("<" + from + ">"); err != nil {
		return "", s.failTx(ctx, StageMail, err)
	}
	s.event(StageMail, StatusOK, s.tr.lastServerLine())
	s.event(StageRcpt, StatusRunning, strings.Join(to, ", "))
	for _, r := range to {
		if err := s.c.Rcpt("<" + r + ">"); err != nil {
			return "", s.failTx(ctx, StageRcpt, err)
		}
	}
	s.event(StageRcpt, StatusOK, s.tr.lastServerLine())
	s.event(StageData, StatusRunning, l10n.L("{{.Size}} bytes", map[string]any{"Size": len(msg)}))
	w, err := s.c.Data()
	if err != nil {
		return "", s.failTx(ctx, StageData, err)
	}
	s.tr.client(fmt.Sprintf("<message, %d bytes>", len(msg)))
	if _, err := w.Write(msg); err != nil {
		_ = w.Close()
		return "", s.failTx(ctx, StageData, err)
	}
	s.tr.client(".")
	err = w.Close()
	var reply string
	if dc, ok := w.(*gsmtp.DataCloser); ok {
		reply = dc.ServerResponse()
	}
	if err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) {
			s.tr.server(tp.Code, tp.Msg)
		}
		return "", s.failTx(ctx, StageData, err)
	}
	s.tr.server(250, reply)
	reply = "250 " + firstLine(reply)
	s.event(StageData, StatusOK, reply)
	return reply, nil
}

// failTx reports a failed transaction step and resets the transaction when
// the connection is still alive, so the next message can go out.
func (s *Session) failTx(ctx context.Context, st Stage, err error) error {
	e := s.fail(st, withCtx(ctx, err))
	var tp *textproto.Error
	if errors.As(err, &tp) {
		_ = s.c.Reset()
	}
	return e
}

// Close says QUIT (best effort) and closes the connection.
func (s *Session) Close() {
	s.closeOnce.Do(func() {
		if s.c != nil {
			_ = s.c.Quit()
		}
		if s.raw != nil {
			_ = s.raw.Close()
		}
		if s.stopCancel != nil {
			s.stopCancel()
		}
		s.secret = ""
	})
}

// withCtx replaces a network error caused by cancellation with the context's error.
func withCtx(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && err != nil {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}
