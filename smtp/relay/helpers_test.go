package relay

import (
	"context"
	"fmt"
	"net"
	"net/textproto"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/app"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// env is a relay in front of an upstream test server, with its App.
type env struct {
	up  *smtptest.Server
	a   *app.App
	r   *Server
	mu  sync.Mutex
	log []string
}

func (e *env) logf(format string, args ...any) {
	e.mu.Lock()
	e.log = append(e.log, fmt.Sprintf(format, args...))
	e.mu.Unlock()
}

// upstreamProfile talks to the test server without TLS or AUTH.
func upstreamProfile(name string, up *smtptest.Server) smtp.Profile {
	return smtp.Profile{Name: name, Preset: "custom", Host: "127.0.0.1", Port: up.Port, Security: smtp.SecurityNone,
		Auth: smtp.AuthNone, From: "me@example.com", Timeout: smtp.Duration(5 * time.Second)}
}

// startEnv starts an upstream test server, an App whose default profile
// sends through it, and a relay on 127.0.0.1:0 running the worker.
func startEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	e := &env{up: smtptest.Start(t, smtptest.Config{})}
	e.a = app.New(app.Config{Dir: t.TempDir(), Keyring: smtp.NewSessionSecrets()})
	t.Cleanup(func() { e.a.Close() })
	if err := e.a.Store().Save(upstreamProfile("up", e.up)); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Store().SetDefault("up"); err != nil {
		t.Fatal(err)
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	cfg.RunWorker = true
	cfg.OnAccepted = func(en queue.Entry, remote string) { e.logf("accepted %s", en.ID) }
	cfg.OnRefused = func(remote string, code int, text string) { e.logf("refused %d %s", code, text) }
	r, err := Start(context.Background(), e.a, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.r = r
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return e
}

// waitDelivered waits until the upstream server holds n messages.
func (e *env) waitDelivered(t *testing.T, n int) []smtptest.Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		msgs := e.up.Messages()
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("upstream has %d messages, want %d", len(msgs), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dialog is a raw SMTP conversation, for the replies a library would hide.
type dialog struct {
	t *testing.T
	c *textproto.Conn
}

func dial(t *testing.T, addr string) *dialog {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	d := &dialog{t: t, c: textproto.NewConn(nc)}
	t.Cleanup(func() { d.c.Close() })
	if code, msg := d.read(); code != 220 {
		t.Fatalf("greeting %d %s", code, msg)
	}
	return d
}

func (d *dialog) read() (int, string) {
	d.t.Helper()
	code, msg, err := d.c.ReadResponse(0)
	if err != nil && code == 0 {
		d.t.Fatalf("reading a reply: %v", err)
	}
	return code, msg
}

// cmd sends one command and returns its reply.
func (d *dialog) cmd(format string, args ...any) (int, string) {
	d.t.Helper()
	if err := d.c.PrintfLine(format, args...); err != nil {
		d.t.Fatal(err)
	}
	return d.read()
}

// expect sends a command and fails unless the reply has this code.
func (d *dialog) expect(code int, format string, args ...any) string {
	d.t.Helper()
	got, msg := d.cmd(format, args...)
	if got != code {
		d.t.Fatalf("%s: %d %s, want %d", fmt.Sprintf(format, args...), got, msg, code)
	}
	return msg
}

// data sends DATA, the raw body bytes and the end marker, and returns the
// final reply.
func (d *dialog) data(body string) (int, string) {
	d.t.Helper()
	d.expect(354, "DATA")
	if _, err := d.c.W.WriteString(body + "\r\n.\r\n"); err != nil {
		d.t.Fatal(err)
	}
	d.c.W.Flush()
	return d.read()
}

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (make deps-test installs it)", name)
	}
	return p
}

func header(msg []byte, name string) string {
	head, _, _ := strings.Cut(string(msg), "\r\n\r\n")
	for _, l := range strings.Split(head, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
