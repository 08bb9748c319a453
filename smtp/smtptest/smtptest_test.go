package smtptest_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// The clients here are net/smtp and bare net/textproto, never our own
// client: these tests check the server, so they must not share its bugs.

const (
	short = 200 * time.Millisecond // how long a stalled read waits
	long  = 5 * time.Second        // generous bound for steps that should succeed
)

var users = map[string]string{"alice": "s3cret", "bob": "hunter2"}

func clientTLS(pool *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

// dial connects net/smtp to s, with TLS from the first byte for ImplicitTLS.
// The host name "localhost" lets net/smtp's PlainAuth work unencrypted.
func dial(t *testing.T, s *smtptest.Server, mode smtptest.Mode) (*smtp.Client, net.Conn) {
	t.Helper()
	var conn net.Conn
	var err error
	if mode == smtptest.ImplicitTLS {
		conn, err = tls.Dial("tcp", s.Addr, clientTLS(s.CAPool))
	} else {
		conn, err = net.Dial("tcp", s.Addr)
	}
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetDeadline(time.Now().Add(long))
	c, err := smtp.NewClient(conn, "localhost")
	if err != nil {
		conn.Close()
		t.Fatalf("greeting: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, conn
}

func send(c *smtp.Client, from string, to []string, body string) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, body); err != nil {
		return err
	}
	return w.Close()
}

// wantReply checks that err is an SMTP reply with the code and text
// (enhanced code included, as net/textproto keeps it in Msg).
func wantReply(t *testing.T, err error, code int, msgPrefix string) {
	t.Helper()
	var te *textproto.Error
	if !errors.As(err, &te) {
		t.Fatalf("got error %v (%T), want SMTP reply %d %s", err, err, code, msgPrefix)
	}
	if te.Code != code || !strings.HasPrefix(te.Msg, msgPrefix) {
		t.Fatalf("got reply %d %q, want %d %q", te.Code, te.Msg, code, msgPrefix)
	}
}

func wantTimeout(t *testing.T, err error) {
	t.Helper()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v, want a timeout", err)
	}
}

// wantClosed reads from conn and expects the server to have closed it
// (EOF or reset), not a timeout.
func wantClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(long))
	_, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open: %v", err)
	}
}

type loginAuth struct{ user, pass string }

func (a loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch string(challenge) {
	case "Username:":
		return []byte(a.user), nil
	case "Password:":
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN challenge %q", challenge)
}

// raw is a line-level client for dialogues net/smtp cannot produce.
type raw struct {
	t    *testing.T
	conn net.Conn
	tp   *textproto.Conn
}

func dialRaw(t *testing.T, addr string) *raw {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return &raw{t: t, conn: conn, tp: textproto.NewConn(conn)}
}

// do sends line (none if empty) and reads the reply within d.
func (r *raw) do(d time.Duration, line string) (int, string, error) {
	r.conn.SetDeadline(time.Now().Add(d))
	if line != "" {
		if err := r.tp.PrintfLine("%s", line); err != nil {
			return 0, "", err
		}
	}
	return r.tp.ReadResponse(0)
}

// must sends line and requires reply code want.
func (r *raw) must(line string, want int) string {
	r.t.Helper()
	code, msg, err := r.do(long, line)
	if err != nil || code != want {
		r.t.Fatalf("%q: got %d %q %v, want %d", line, code, msg, err, want)
	}
	return msg
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestSTARTTLSAuthPlainDelivers(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: users})
	c, _ := dial(t, s, smtptest.STARTTLS)
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not advertised")
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Fatal("AUTH advertised before TLS without AllowInsecureAuth")
	}
	if err := c.StartTLS(clientTLS(s.CAPool)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Fatal("STARTTLS advertised again after TLS")
	}
	if ok, mechs := c.Extension("AUTH"); !ok || mechs != "PLAIN LOGIN CRAM-MD5" {
		t.Fatalf("AUTH after TLS: %v %q", ok, mechs)
	}
	if err := c.Auth(smtp.PlainAuth("", "alice", "s3cret", "localhost")); err != nil {
		t.Fatal(err)
	}
	body := "Subject: hi\r\n\r\n.leading dot\r\nend\r\n"
	if err := send(c, "alice@example.com", []string{"x@example.com", "y@example.com"}, body); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "alice@example.com" || strings.Join(m.To, ",") != "x@example.com,y@example.com" ||
		string(m.Data) != body || m.Auth != "alice" || !m.TLS {
		t.Fatalf("message %+v, data %q", m, m.Data)
	}
}

func TestImplicitTLSWithCAFile(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, Transcript: true})
	pemData, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("CAFile holds no certificate")
	}
	conn, err := tls.Dial("tcp", s.Addr, clientTLS(pool))
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Fatal("STARTTLS advertised on implicit TLS")
	}
	if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	if m := s.Messages(); len(m) != 1 || !m[0].TLS || m[0].Auth != "" {
		t.Fatalf("messages %+v", m)
	}
}

func TestPlainModeRefusesSTARTTLS(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{})
	c, _ := dial(t, s, smtptest.Plain)
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Fatal("STARTTLS advertised in Plain mode")
	}
	if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
		t.Fatal(err)
	}
	if m := s.Messages(); len(m) != 1 || m[0].TLS {
		t.Fatalf("messages %+v", m)
	}
}

func TestAuthMechanisms(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Users: users, AllowInsecureAuth: true})
	for _, tc := range []struct {
		name string
		auth smtp.Auth
		ok   bool
	}{
		{"PLAIN", smtp.PlainAuth("", "alice", "s3cret", "localhost"), true},
		{"PLAIN/bad", smtp.PlainAuth("", "alice", "wrong", "localhost"), false},
		{"PLAIN/unknown-user", smtp.PlainAuth("", "mallory", "s3cret", "localhost"), false},
		{"LOGIN", loginAuth{"bob", "hunter2"}, true},
		{"LOGIN/bad", loginAuth{"bob", "wrong"}, false},
		{"CRAM-MD5", smtp.CRAMMD5Auth("alice", "s3cret"), true},
		{"CRAM-MD5/bad", smtp.CRAMMD5Auth("alice", "wrong"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := dial(t, s, smtptest.Plain)
			err := c.Auth(tc.auth)
			if !tc.ok {
				wantReply(t, err, 535, "5.7.8 Authentication credentials invalid")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
				t.Fatal(err)
			}
		})
	}
	var got []string
	for _, m := range s.Messages() {
		got = append(got, m.Auth)
	}
	if strings.Join(got, ",") != "alice,bob,alice" {
		t.Fatalf("authenticated users %q", got)
	}
}

func TestAuthAdvertisingRules(t *testing.T) {
	t.Run("no users", func(t *testing.T) {
		s := smtptest.Start(t, smtptest.Config{AllowInsecureAuth: true})
		r := dialRaw(t, s.Addr)
		r.must("", 220)
		if msg := r.must("EHLO client.example", 250); strings.Contains(msg, "AUTH") {
			t.Fatalf("AUTH advertised without users: %q", msg)
		}
		code, msg, _ := r.do(long, "AUTH PLAIN "+b64("\x00alice\x00s3cret"))
		if code != 502 || !strings.HasPrefix(msg, "5.7.0") {
			t.Fatalf("AUTH without users: %d %q", code, msg)
		}
	})
	t.Run("restricted mechanisms", func(t *testing.T) {
		s := smtptest.Start(t, smtptest.Config{Users: users, AllowInsecureAuth: true, Mechanisms: []string{"LOGIN"}})
		r := dialRaw(t, s.Addr)
		r.must("", 220)
		if msg := r.must("EHLO client.example", 250); !strings.Contains(msg, "\nAUTH LOGIN\n") {
			t.Fatalf("EHLO: %q", msg)
		}
		code, msg, _ := r.do(long, "AUTH PLAIN "+b64("\x00alice\x00s3cret"))
		if code != 504 || !strings.HasPrefix(msg, "5.7.4") {
			t.Fatalf("unadvertised mechanism: %d %q", code, msg)
		}
	})
	t.Run("insecure link", func(t *testing.T) {
		s := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: users})
		r := dialRaw(t, s.Addr)
		r.must("", 220)
		r.must("EHLO client.example", 250)
		code, _, _ := r.do(long, "AUTH PLAIN "+b64("\x00alice\x00s3cret"))
		if code != 523 {
			t.Fatalf("AUTH before STARTTLS: got %d, want go-smtp's 523", code)
		}
	})
}

func TestFailureReplies(t *testing.T) {
	rp := func(code int, enh, msg string) *smtptest.Reply {
		return &smtptest.Reply{Code: code, Enhanced: enh, Message: msg}
	}
	for _, tc := range []struct {
		name     string
		cfg      smtptest.Config
		auth     smtp.Auth
		body     string
		wantCode int
		wantMsg  string
	}{
		{"FailAuth 535 5.7.139", smtptest.Config{FailAuth: rp(535, "5.7.139", "Authentication unsuccessful, basic authentication is disabled")},
			smtp.PlainAuth("", "alice", "s3cret", "localhost"), "", 535, "5.7.139 Authentication unsuccessful"},
		{"FailAuth 534 5.7.9 LOGIN", smtptest.Config{FailAuth: rp(534, "5.7.9", "Please log in with your web browser")},
			loginAuth{"alice", "s3cret"}, "", 534, "5.7.9 Please log in"},
		{"FailAuth 504", smtptest.Config{FailAuth: rp(504, "5.7.4", "Unrecognized authentication type")},
			smtp.CRAMMD5Auth("alice", "s3cret"), "", 504, "5.7.4 Unrecognized"},
		{"FailMail", smtptest.Config{FailMail: rp(550, "5.7.1", "Sender rejected")}, nil, "", 550, "5.7.1 Sender rejected"},
		{"FailMail without enhanced code", smtptest.Config{FailMail: rp(451, "", "Try later")}, nil, "", 451, "Try later"},
		{"FailRcpt", smtptest.Config{FailRcpt: rp(550, "5.1.1", "No such user")}, nil, "", 550, "5.1.1 No such user"},
		{"FailData", smtptest.Config{FailData: rp(554, "5.6.0", "Message rejected as spam")}, nil, "", 554, "5.6.0 Message rejected"},
		{"RequireTLSForMail", smtptest.Config{Mode: smtptest.STARTTLS, RequireTLSForMail: true}, nil, "", 530, "5.7.0 Must issue a STARTTLS command first"},
		{"RequireAuth", smtptest.Config{RequireAuth: true}, nil, "", 530, "5.7.0 Authentication required"},
		{"MaxMessageBytes", smtptest.Config{MaxMessageBytes: 100}, nil, strings.Repeat("x", 200) + "\r\n", 552, "5.3.4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Users, cfg.AllowInsecureAuth = users, true
			s := smtptest.Start(t, cfg)
			c, _ := dial(t, s, cfg.Mode)
			var err error
			if tc.auth != nil {
				err = c.Auth(tc.auth)
			} else {
				body := tc.body
				if body == "" {
					body = "hi\r\n"
				}
				err = send(c, "a@example.com", []string{"b@example.com"}, body)
			}
			wantReply(t, err, tc.wantCode, tc.wantMsg)
			if n := len(s.Messages()); n != 0 {
				t.Fatalf("%d messages recorded despite failure", n)
			}
		})
	}
}

// FailAuth must come where servers put it: 504 right after AUTH <mech>,
// everything else only after the credentials.
func TestFailAuthTiming(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Users: users, AllowInsecureAuth: true,
		FailAuth: &smtptest.Reply{Code: 535, Enhanced: "5.7.8", Message: "Nope"}})
	r := dialRaw(t, s.Addr)
	r.must("", 220)
	r.must("EHLO client.example", 250)
	if ch := r.must("AUTH LOGIN", 334); ch != b64("Username:") {
		t.Fatalf("challenge %q", ch)
	}
	if ch := r.must(b64("alice"), 334); ch != b64("Password:") {
		t.Fatalf("challenge %q", ch)
	}
	if msg := r.must(b64("s3cret"), 535); msg != "5.7.8 Nope" {
		t.Fatalf("final reply %q", msg)
	}

	s.Set(func(c *smtptest.Config) { c.FailAuth = &smtptest.Reply{Code: 504, Enhanced: "5.7.4", Message: "No"} })
	r.must("AUTH PLAIN", 504)
}

func TestGreetingRefused(t *testing.T) {
	for _, mode := range []smtptest.Mode{smtptest.Plain, smtptest.ImplicitTLS} {
		t.Run(mode.String(), func(t *testing.T) {
			s := smtptest.Start(t, smtptest.Config{Mode: mode,
				Greeting: &smtptest.Reply{Code: 421, Enhanced: "4.3.2", Message: "Too busy\nTry again later"}})
			var conn net.Conn
			var err error
			if mode == smtptest.ImplicitTLS {
				conn, err = tls.Dial("tcp", s.Addr, clientTLS(s.CAPool))
			} else {
				conn, err = net.Dial("tcp", s.Addr)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(long))
			_, err = smtp.NewClient(conn, "localhost")
			wantReply(t, err, 421, "Too busy\n4.3.2 Try again later")
			wantClosed(t, conn)
			if s.Connections() != 1 {
				t.Fatalf("Connections() = %d", s.Connections())
			}
		})
	}
}

func TestDropMidData(t *testing.T) {
	for _, mode := range []smtptest.Mode{smtptest.Plain, smtptest.ImplicitTLS} {
		t.Run(mode.String(), func(t *testing.T) {
			s := smtptest.Start(t, smtptest.Config{Mode: mode, DropMidData: true})
			c, conn := dial(t, s, mode)
			err := send(c, "a@example.com", []string{"b@example.com"}, strings.Repeat("line of text\r\n", 1000))
			if err == nil {
				t.Fatal("send succeeded")
			}
			var te *textproto.Error
			if errors.As(err, &te) {
				t.Fatalf("got SMTP reply %v, want a broken connection", te)
			}
			wantClosed(t, conn)
			if n := len(s.Messages()); n != 0 {
				t.Fatalf("%d messages recorded", n)
			}
		})
	}
}

func TestStallGreeting(t *testing.T) {
	for _, mode := range []smtptest.Mode{smtptest.Plain, smtptest.ImplicitTLS} {
		t.Run(mode.String(), func(t *testing.T) {
			s := smtptest.Start(t, smtptest.Config{Mode: mode, StallGreeting: true})
			var conn net.Conn
			var err error
			if mode == smtptest.ImplicitTLS {
				// The handshake completes; only the greeting is withheld.
				conn, err = tls.DialWithDialer(&net.Dialer{Timeout: long}, "tcp", s.Addr, clientTLS(s.CAPool))
			} else {
				conn, err = net.Dial("tcp", s.Addr)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetReadDeadline(time.Now().Add(short))
			_, err = conn.Read(make([]byte, 1))
			wantTimeout(t, err)

			start := time.Now()
			s.Close()
			if d := time.Since(start); d > time.Second {
				t.Fatalf("Close took %v", d)
			}
			wantClosed(t, conn)
		})
	}
}

// Each stall point: every step before it works, the step itself times out,
// and Close releases the stall at once.
func TestStallAt(t *testing.T) {
	steps := []struct{ name, line string }{
		{"ehlo", "EHLO client.example"},
		{"auth", "AUTH PLAIN " + b64("\x00alice\x00s3cret")},
		{"mail", "MAIL FROM:<a@example.com>"},
		{"rcpt", "RCPT TO:<b@example.com>"},
		{"DATA", "DATA"},
		{"data", "Subject: x\r\n\r\nhi\r\n."}, // the body; StallAt "data" withholds its reply
	}
	want := map[string]int{"ehlo": 250, "auth": 235, "mail": 250, "rcpt": 250, "DATA": 354, "data": 250}
	for _, at := range []string{smtptest.StallEHLO, smtptest.StallAuth, smtptest.StallMail, smtptest.StallRcpt, smtptest.StallData} {
		t.Run(at, func(t *testing.T) {
			t.Parallel()
			s := smtptest.Start(t, smtptest.Config{Users: users, AllowInsecureAuth: true, StallAt: at})
			r := dialRaw(t, s.Addr)
			r.must("", 220)
			for _, st := range steps {
				if st.name != at {
					r.must(st.line, want[st.name])
					continue
				}
				_, _, err := r.do(short, st.line)
				wantTimeout(t, err)
				break
			}
			start := time.Now()
			s.Close()
			if d := time.Since(start); d > time.Second {
				t.Fatalf("Close took %v", d)
			}
			wantClosed(t, r.conn)
			if n := len(s.Messages()); n != 0 {
				t.Fatalf("%d messages recorded", n)
			}
		})
	}
	t.Run("tls", func(t *testing.T) {
		t.Parallel()
		s := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, StallAt: smtptest.StallTLS})
		r := dialRaw(t, s.Addr)
		r.must("", 220)
		r.must("EHLO client.example", 250)
		r.must("STARTTLS", 220)
		r.conn.SetDeadline(time.Now().Add(short))
		wantTimeout(t, tls.Client(r.conn, clientTLS(s.CAPool)).Handshake())
		start := time.Now()
		s.Close()
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Close took %v", d)
		}
		wantClosed(t, r.conn)
	})
}

func TestSetAtRuntime(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{
		FailMail: &smtptest.Reply{Code: 451, Enhanced: "4.3.0", Message: "Temporary failure"}})
	c, _ := dial(t, s, smtptest.Plain)
	err := send(c, "a@example.com", []string{"b@example.com"}, "first\r\n")
	wantReply(t, err, 451, "4.3.0 Temporary failure")

	s.Set(func(c *smtptest.Config) { c.FailMail = nil })
	// Same connection: the change applies from the next command on.
	if err := send(c, "a@example.com", []string{"b@example.com"}, "second\r\n"); err != nil {
		t.Fatal(err)
	}
	s.Set(func(c *smtptest.Config) {
		c.FailRcpt = &smtptest.Reply{Code: 550, Enhanced: "5.1.1", Message: "Unknown"}
	})
	err = send(c, "a@example.com", []string{"b@example.com"}, "third\r\n")
	wantReply(t, err, 550, "5.1.1 Unknown")

	if m := s.Messages(); len(m) != 1 || string(m[0].Data) != "second\r\n" {
		t.Fatalf("messages %+v", m)
	}
}

// recorder captures Errorf so tests can check that misuse is reported.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestSetRejectsFixedAndInvalid(t *testing.T) {
	rec := &recorder{TB: t}
	s := smtptest.Start(rec, smtptest.Config{})
	s.Set(func(c *smtptest.Config) { c.Mode = smtptest.ImplicitTLS })
	s.Set(func(c *smtptest.Config) { c.StallAt = "bogus" })
	s.Set(func(c *smtptest.Config) { c.FailMail = &smtptest.Reply{Code: 99} })
	s.Set(func(c *smtptest.Config) { c.FailMail = &smtptest.Reply{Code: 550, Enhanced: "5.1"} })
	if len(rec.errs) != 4 {
		t.Fatalf("reported %q, want 4 errors", rec.errs)
	}
	// Nothing changed: the server still delivers in Plain mode.
	c, _ := dial(t, s, smtptest.Plain)
	if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
		t.Fatal(err)
	}
}

func TestNoEHLO(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, NoEHLO: true})
	r := dialRaw(t, s.Addr)
	r.must("", 220)
	r.must("EHLO client.example", 502)
	r.must("HELO client.example", 250)

	c, _ := dial(t, s, smtptest.Plain)
	if err := c.Hello("client.example"); err != nil { // net/smtp falls back to HELO
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Fatal("extensions visible after HELO")
	}
	if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
		t.Fatal(err)
	}
}

func TestNoEHLOImplicitTLS(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, NoEHLO: true})
	c, _ := dial(t, s, smtptest.ImplicitTLS)
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("SIZE"); ok {
		t.Fatal("EHLO was accepted")
	}
	if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
		t.Fatal(err)
	}
}

func TestCertificates(t *testing.T) {
	handshake := func(s *smtptest.Server, pool *x509.CertPool) error {
		conn, err := tls.Dial("tcp", s.Addr, clientTLS(pool))
		if err == nil {
			conn.Close()
		}
		return err
	}
	t.Run("untrusted", func(t *testing.T) {
		s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS})
		var uae x509.UnknownAuthorityError
		if err := handshake(s, smtptest.NewCA(t).Pool); !errors.As(err, &uae) {
			t.Fatalf("got %v, want unknown authority", err)
		}
	})
	t.Run("name mismatch", func(t *testing.T) {
		s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CertHosts: []string{"other.example"}})
		var he x509.HostnameError
		if err := handshake(s, s.CAPool); !errors.As(err, &he) {
			t.Fatalf("got %v, want hostname error", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		ca := smtptest.NewCA(t)
		cert := ca.IssueValidity(t, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), "localhost")
		s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CA: ca, Certificate: &cert})
		var ie x509.CertificateInvalidError
		if err := handshake(s, ca.Pool); !errors.As(err, &ie) || ie.Reason != x509.Expired {
			t.Fatalf("got %v, want expired", err)
		}
	})
	t.Run("shared CA", func(t *testing.T) {
		ca := smtptest.NewCA(t)
		a := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CA: ca})
		b := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, CA: ca})
		if a.CAFile != ca.File || b.CAFile != ca.File {
			t.Fatal("CAFile is not the shared CA's")
		}
		if err := handshake(a, ca.Pool); err != nil {
			t.Fatal(err)
		}
		c, _ := dial(t, b, smtptest.STARTTLS)
		if err := c.StartTLS(clientTLS(ca.Pool)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("IP address", func(t *testing.T) {
		s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS})
		conn, err := tls.Dial("tcp", s.Addr, &tls.Config{RootCAs: s.CAPool, ServerName: s.Host})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	})
}

func TestConnectionsAndConcurrentDelivery(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: users})
	const n = 5
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- smtpSendMailTLS(s, fmt.Sprintf("message %d\r\n", i))
		}()
	}
	// Poll Messages while deliveries run, for the race detector.
	for range 10 {
		_ = s.Messages()
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := len(s.Messages()); got != n {
		t.Fatalf("%d messages, want %d", got, n)
	}
	if got := s.Connections(); got != n {
		t.Fatalf("Connections() = %d, want %d", got, n)
	}
}

func smtpSendMailTLS(s *smtptest.Server, body string) error {
	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(long))
	c, err := smtp.NewClient(conn, "localhost")
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.StartTLS(clientTLS(s.CAPool)); err != nil {
		return err
	}
	if err := c.Auth(smtp.PlainAuth("", "bob", "hunter2", "localhost")); err != nil {
		return err
	}
	if err := send(c, "bob@example.com", []string{"x@example.com"}, body); err != nil {
		return err
	}
	return c.Quit()
}

func TestStartRaw(t *testing.T) {
	t.Run("close at once", func(t *testing.T) {
		addr := smtptest.StartRaw(t, func(net.Conn) {})
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		wantClosed(t, conn)
	})
	t.Run("garbage", func(t *testing.T) {
		addr := smtptest.StartRaw(t, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n")
		})
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(long))
		_, err = smtp.NewClient(conn, "localhost")
		var pe textproto.ProtocolError
		if !errors.As(err, &pe) {
			t.Fatalf("got %v (%T), want a protocol error", err, err)
		}
	})
	t.Run("cleanup unblocks handler", func(t *testing.T) {
		// Registered first so it runs last: the client stays connected
		// while StartRaw's cleanup has to end the handler by itself.
		var conn net.Conn
		t.Cleanup(func() { conn.Close() })
		started := make(chan struct{})
		addr := smtptest.StartRaw(t, func(c net.Conn) {
			close(started)
			io.Copy(io.Discard, c) // blocks until cleanup closes c
		})
		var err error
		if conn, err = net.Dial("tcp", addr); err != nil {
			t.Fatal(err)
		}
		<-started
	})
}

func TestReplyString(t *testing.T) {
	r := smtptest.Reply{Code: 535, Enhanced: "5.7.8", Message: "Bad"}
	if got := r.String(); got != "535 5.7.8 Bad" {
		t.Fatal(got)
	}
	if got := (smtptest.Reply{Code: 421, Message: "Bye"}).String(); got != "421 Bye" {
		t.Fatal(got)
	}
}
