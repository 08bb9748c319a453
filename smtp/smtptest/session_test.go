package smtptest_test

import (
	"crypto/tls"
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

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
