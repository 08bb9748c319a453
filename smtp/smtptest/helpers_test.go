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
	"strings"
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
