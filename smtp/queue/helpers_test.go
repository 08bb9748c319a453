package queue

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// fastSettings retries within milliseconds, so tests need not wait.
func fastSettings() Settings {
	s := DefaultSettings()
	s.Schedule = Schedule{
		First: Duration(40 * time.Millisecond), Max: Duration(200 * time.Millisecond),
		RateLimitFactor: 2, RateLimitFloor: Duration(100 * time.Millisecond),
	}
	s.Poll = Duration(200 * time.Millisecond)
	s.LeaseDuration = Duration(20 * time.Second)
	return s
}

// clock is a settable time for Outbox.Now: tests move it past a backoff or
// a give-up time instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// fakeClock sets o's clock to a clock standing at the real time, which the
// test then moves.
func fakeClock(o *Outbox) *clock {
	c := &clock{t: time.Now()}
	o.Now = c.now
	return c
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func openTest(t testing.TB, s Settings) *Outbox {
	t.Helper()
	o, err := Open(t.TempDir(), s)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// testMessage is a small message with a fixed Message-ID.
func testMessage(profile string, i int) Message {
	id := fmt.Sprintf("<m%d.%d@example.com>", i, time.Now().UnixNano())
	raw := fmt.Sprintf("From: me@example.com\r\nTo: you@example.com\r\nSubject: message %d\r\nMessage-ID: %s\r\n\r\nBody of message %d.\r\n", i, id, i)
	return Message{Profile: profile, From: "me@example.com", To: []string{"you@example.com"}, Raw: []byte(raw)}
}

func enqueue(t testing.TB, o *Outbox, m Message) Entry {
	t.Helper()
	e, err := o.Enqueue(context.Background(), m)
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return e
}

// plainProfile talks to srv without TLS or AUTH.
func plainProfile(name string, port int) smtp.Profile {
	return smtp.Profile{Name: name, Host: "127.0.0.1", Port: port, Security: smtp.SecurityNone,
		Auth: smtp.AuthNone, From: "me@example.com", Timeout: smtp.Duration(2 * time.Second)}
}

// profiles is a profile store for tests.
type profiles struct {
	mu sync.Mutex
	m  map[string]smtp.Profile
}

func newProfiles(ps ...smtp.Profile) *profiles {
	p := &profiles{m: map[string]smtp.Profile{}}
	for _, x := range ps {
		p.m[x.Name] = x
	}
	return p
}

func (p *profiles) get(name string) (smtp.Profile, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if x, ok := p.m[name]; ok {
		return x, nil
	}
	return smtp.Profile{}, fmt.Errorf("%w: %q", smtp.ErrNoSuchProfile, name)
}

func config(p *profiles) Config { return Config{Profile: p.get} }

func get(t testing.TB, o *Outbox, id string) Entry {
	t.Helper()
	e, err := o.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get %s: %v", id, err)
	}
	return e
}

// makeDue moves every waiting message's next attempt to now, as if the
// backoff had passed.
func makeDue(t testing.TB, o *Outbox) {
	t.Helper()
	if _, err := o.db.Exec("UPDATE messages SET next_attempt = ? WHERE state IN ('queued','deferred')", ms(time.Now())); err != nil {
		t.Fatal(err)
	}
}

// proxy forwards a fixed port to a target while up; while down the port
// refuses connections. It stands for a server that goes away and comes back.
type proxy struct {
	t      testing.TB
	port   int
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t testing.TB, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, port: l.Addr().(*net.TCPAddr).Port, target: target}
	l.Close()
	t.Cleanup(p.down)
	return p
}

func (p *proxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	for range 50 {
		p.ln, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.port))
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy: %v", err)
	}
	ln := p.ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// byMessageID counts the server's messages per Message-ID header.
func byMessageID(msgs []smtptest.Message) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		out[headerMessageID(m.Data)]++
	}
	return out
}

func headerMessageID(data []byte) string {
	m := Message{Raw: data, To: []string{"x"}, Profile: "x"}
	m.Subject = "-"
	_ = m.check()
	return m.MessageID
}
