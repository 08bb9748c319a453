package smtp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

const (
	testUser = "alice@example.com"
	testPass = "s3cret-P@ss-ü"
)

// secretForms are the ways the password could leak: as is, base64, and
// inside the PLAIN blob.
func secretForms() []string {
	b := base64.StdEncoding.EncodeToString
	return []string{
		testPass,
		b([]byte(testPass)),
		b([]byte("\x00" + testUser + "\x00" + testPass)),
		strings.TrimRight(b([]byte("\x00"+testUser+"\x00"+testPass)), "="),
	}
}

func assertNoSecret(t *testing.T, where, s string) {
	t.Helper()
	for _, f := range secretForms() {
		if strings.Contains(s, f) {
			t.Fatalf("%s contains the password (form %q):\n%s", where, f, s)
		}
	}
}

func users() map[string]string { return map[string]string{testUser: testPass} }

func profileFor(srv *smtptest.Server, sec Security) Profile {
	return Profile{
		Name:     "test",
		Host:     srv.Host,
		Port:     srv.Port,
		Security: sec,
		Auth:     AuthAuto,
		Username: testUser,
		From:     testUser,
		CAFile:   srv.CAFile,
		Timeout:  Duration(2 * time.Second),
	}
}

func optsFor(p Profile, pass string) Options {
	return Options{Profile: p, Secret: func() (string, error) { return pass, nil }}
}

// runTest sends a test message and checks the invariants every report must
// hold: no secret anywhere, a transcript, a consistent kind (the command
// line's exit code follows from it: ui/cli's TestExitCodeOfEachKind).
func runTest(t *testing.T, opts Options) Report {
	t.Helper()
	var events []Event
	opts.Progress = func(e Event) { events = append(events, e) }
	rep, _ := Test(context.Background(), opts, nil)
	js, _ := json.Marshal(rep)
	assertNoSecret(t, "report JSON", string(js))
	for _, e := range events {
		assertNoSecret(t, "progress event", e.Detail)
	}
	if rep.OK != (rep.Kind == KindOK) {
		t.Fatalf("ok=%v but kind=%s", rep.OK, rep.Kind)
	}
	if !rep.OK && rep.Hint == "" {
		t.Fatalf("failure without a hint: %+v", rep)
	}
	return rep
}

func TestSendModes(t *testing.T) {
	cases := []struct {
		name   string
		mode   smtptest.Mode
		sec    Security
		auth   AuthMethod
		mechs  []string
		insec  bool
		wantMx string
	}{
		{"starttls auto picks CRAM-MD5 over PLAIN", smtptest.STARTTLS, SecuritySTARTTLS, AuthAuto, nil, false, "CRAM-MD5"},
		{"starttls plain", smtptest.STARTTLS, SecuritySTARTTLS, AuthPlain, nil, false, "PLAIN"},
		{"implicit tls login", smtptest.ImplicitTLS, SecurityTLS, AuthLogin, nil, false, "LOGIN"},
		{"implicit tls auto with only PLAIN", smtptest.ImplicitTLS, SecurityTLS, AuthAuto, []string{"PLAIN"}, false, "PLAIN"},
		{"implicit tls cram-md5", smtptest.ImplicitTLS, SecurityTLS, AuthCRAMMD5, nil, false, "CRAM-MD5"},
		{"plain to loopback with PLAIN", smtptest.Plain, SecurityNone, AuthPlain, nil, true, "PLAIN"},
		{"plain to loopback auto", smtptest.Plain, SecurityNone, AuthAuto, []string{"LOGIN", "PLAIN"}, true, "PLAIN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Config{Mode: tc.mode, Users: users(), Mechanisms: tc.mechs, AllowInsecureAuth: tc.insec})
			p := profileFor(srv, tc.sec)
			p.Auth = tc.auth
			rep := runTest(t, optsFor(p, testPass))
			if !rep.OK {
				t.Fatalf("send failed: %+v", rep)
			}
			if rep.AuthMech != tc.wantMx {
				t.Errorf("mechanism %q, want %q", rep.AuthMech, tc.wantMx)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages", len(msgs))
			}
			m := msgs[0]
			if m.Auth != testUser || m.From != testUser || len(m.To) != 1 || m.To[0] != testUser {
				t.Errorf("envelope/auth wrong: %+v", m)
			}
			if m.TLS != (tc.sec != SecurityNone) {
				t.Errorf("TLS=%v for %s", m.TLS, tc.sec)
			}
			body := string(m.Data)
			for _, want := range []string{"Subject: SMTP Configurator test message", "Message-ID: <", "Date: ", "User-Agent: SMTP Configurator/", "X-Mailer: SMTP Configurator/", srv.Addr} {
				if !strings.Contains(body, want) {
					t.Errorf("message lacks %q", want)
				}
			}
			assertNoSecret(t, "message", body)
			tr := strings.Join(rep.Transcript, "\n")
			if !strings.Contains(tr, "C: AUTH "+tc.wantMx+" [redacted]") {
				t.Errorf("transcript lacks redacted AUTH line:\n%s", tr)
			}
			for _, want := range []string{"S: 220 ", "C: EHLO ", "C: MAIL FROM:<" + testUser + ">", "C: RCPT TO:<", "C: DATA", "S: 250 "} {
				if !strings.Contains(tr, want) {
					t.Errorf("transcript lacks %q:\n%s", want, tr)
				}
			}
			if tc.sec == SecuritySTARTTLS && !strings.Contains(tr, "C: STARTTLS") {
				t.Errorf("no STARTTLS in transcript")
			}
		})
	}
}

func TestProgressStagesInOrder(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: users()})
	var got []string
	opts := optsFor(profileFor(srv, SecuritySTARTTLS), testPass)
	opts.Progress = func(e Event) {
		if e.Status != StatusRunning {
			got = append(got, string(e.Stage)+":"+string(e.Status))
		}
	}
	rep, _ := Test(context.Background(), opts, nil)
	if !rep.OK {
		t.Fatal(rep)
	}
	want := "setup:ok connect:ok ehlo:ok tls:ok auth:ok mail:ok rcpt:ok data:ok done:ok"
	if strings.Join(got, " ") != want {
		t.Fatalf("events\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// diagCase is one failure produced for real against the test server.
type diagCase struct {
	name   string
	cfg    smtptest.Config
	sec    Security
	prof   func(*Profile)
	stage  Stage
	code   int
	enh    string
	kind   Kind
	temp   bool
	hintIn string
}

func TestDiagnosisAgainstServer(t *testing.T) {
	rep421 := &smtptest.Reply{Code: 421, Enhanced: "4.3.2", Message: "Too busy, try later"}
	cases := []diagCase{
		{name: "wrong password 535", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: map[string]string{testUser: "other"}},
			sec: SecuritySTARTTLS, stage: StageAuth, code: 535, enh: "5.7.8", kind: "auth-failed", hintIn: "user name or password"},
		{name: "535 gmail says app password", cfg: smtptest.Config{Mode: smtptest.ImplicitTLS, Users: users(), FailAuth: &smtptest.Reply{Code: 535, Enhanced: "5.7.8", Message: "Username and Password not accepted"}},
			sec: SecurityTLS, prof: func(p *Profile) { p.Preset = "gmail" }, stage: StageAuth, code: 535, kind: "auth-failed", hintIn: "app password"},
		{name: "535 qq says authorisation code", cfg: smtptest.Config{Mode: smtptest.ImplicitTLS, Users: users(), FailAuth: &smtptest.Reply{Code: 535, Enhanced: "5.7.8", Message: "Login fail"}},
			sec: SecurityTLS, prof: func(p *Profile) { p.Preset = "qq" }, stage: StageAuth, code: 535, kind: "auth-failed", hintIn: "授权码"},
		{name: "535 163 says authorisation code", cfg: smtptest.Config{Mode: smtptest.ImplicitTLS, Users: users(), FailAuth: &smtptest.Reply{Code: 535, Message: "Error: authentication failed"}},
			sec: SecurityTLS, prof: func(p *Profile) { p.Preset = "163" }, stage: StageAuth, code: 535, kind: "auth-failed", hintIn: "authorisation code"},
		{name: "534 5.7.9 app password required", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), FailAuth: &smtptest.Reply{Code: 534, Enhanced: "5.7.9", Message: "Application-specific password required"}},
			sec: SecuritySTARTTLS, stage: StageAuth, code: 534, enh: "5.7.9", kind: "auth-app-password", hintIn: "app password"},
		{name: "535 5.7.139 basic auth disabled", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), FailAuth: &smtptest.Reply{Code: 535, Enhanced: "5.7.139", Message: "Authentication unsuccessful, basic authentication is disabled"}},
			sec: SecuritySTARTTLS, prof: func(p *Profile) { p.Preset = "microsoft365" }, stage: StageAuth, code: 535, enh: "5.7.139", kind: "auth-basic-disabled", hintIn: "OAuth2"},
		{name: "504 5.7.4 mechanism", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), FailAuth: &smtptest.Reply{Code: 504, Enhanced: "5.7.4", Message: "Unrecognized authentication type"}},
			sec: SecuritySTARTTLS, prof: func(p *Profile) { p.Auth = AuthPlain }, stage: StageAuth, code: 504, enh: "5.7.4", kind: "auth-mechanism", hintIn: "LOGIN"},
		{name: "no common mechanism", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), Mechanisms: []string{"NTLM", "GSSAPI"}},
			sec: SecuritySTARTTLS, stage: StageAuth, kind: "auth-no-mechanism", hintIn: "login method"},
		{name: "421 greeting", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Greeting: rep421},
			sec: SecuritySTARTTLS, stage: StageConnect, code: 421, enh: "4.3.2", kind: "greeting-temporary", temp: true, hintIn: "retried"},
		{name: "554 greeting", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Greeting: &smtptest.Reply{Code: 554, Enhanced: "5.7.1", Message: "No SMTP service here"}},
			sec: SecuritySTARTTLS, stage: StageConnect, code: 554, kind: "greeting-refused", hintIn: "refused"},
		{name: "451 at RCPT", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), FailRcpt: &smtptest.Reply{Code: 451, Enhanced: "4.7.1", Message: "Greylisted, try again"}},
			sec: SecuritySTARTTLS, stage: StageRcpt, code: 451, enh: "4.7.1", kind: "temporary", temp: true, hintIn: "later"},
		{name: "452 at RCPT", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), FailRcpt: &smtptest.Reply{Code: 452, Enhanced: "4.3.1", Message: "Insufficient system storage"}},
			sec: SecuritySTARTTLS, stage: StageRcpt, code: 452, kind: "insufficient-storage", temp: true, hintIn: "later"},
		{name: "421 at MAIL", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), FailMail: rep421},
			sec: SecuritySTARTTLS, stage: StageMail, code: 421, kind: "service-unavailable", temp: true, hintIn: "rate-limiting"},
		{name: "550 5.7.1 sender not allowed", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), FailMail: &smtptest.Reply{Code: 550, Enhanced: "5.7.1", Message: "Sender address rejected: not owned by user"}},
			sec: SecuritySTARTTLS, stage: StageMail, code: 550, enh: "5.7.1", kind: "sender-not-allowed", hintIn: "From address"},
		{name: "550 5.7.60 SendAsDenied at DATA", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), FailData: &smtptest.Reply{Code: 550, Enhanced: "5.7.60", Message: "SMTP; Client does not have permissions to send as this sender"}},
			sec: SecuritySTARTTLS, stage: StageData, code: 550, enh: "5.7.60", kind: "sender-not-allowed", hintIn: "From address"},
		{name: "552 too large at DATA", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), FailData: &smtptest.Reply{Code: 552, Enhanced: "5.3.4", Message: "Message size exceeds fixed limit"}},
			sec: SecuritySTARTTLS, stage: StageData, code: 552, enh: "5.3.4", kind: "too-large", hintIn: "too large"},
		{name: "552 from SIZE limit", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), MaxMessageBytes: 100},
			sec: SecuritySTARTTLS, code: 552, kind: "too-large", hintIn: "too large"},
		{name: "dropped mid-DATA", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), DropMidData: true},
			sec: SecuritySTARTTLS, stage: StageData, kind: "dropped", temp: true, hintIn: "dropped"},
		{name: "stall at DATA", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), StallAt: smtptest.StallData},
			sec: SecuritySTARTTLS, prof: func(p *Profile) { p.Timeout = Duration(time.Second) }, stage: StageData, kind: "timeout", temp: true, hintIn: "stopped answering"},
		{name: "timeout before greeting", cfg: smtptest.Config{Mode: smtptest.STARTTLS, StallGreeting: true},
			sec: SecuritySTARTTLS, prof: func(p *Profile) { p.Timeout = Duration(time.Second) }, stage: StageConnect, kind: "timeout-connect", temp: true, hintIn: "Port 25 is often blocked"},
		{name: "implicit TLS on a STARTTLS port", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users()},
			sec: SecurityTLS, stage: StageTLS, kind: "tls-on-plain-port", hintIn: "STARTTLS"},
		{name: "STARTTLS on an implicit TLS port", cfg: smtptest.Config{Mode: smtptest.ImplicitTLS, Users: users()},
			sec: SecuritySTARTTLS, prof: func(p *Profile) { p.Timeout = Duration(time.Second) }, stage: StageConnect, kind: "expects-tls", hintIn: "SSL/TLS"},
		{name: "STARTTLS not offered", cfg: smtptest.Config{Mode: smtptest.Plain, Users: users(), AllowInsecureAuth: true},
			sec: SecuritySTARTTLS, stage: StageTLS, kind: "no-starttls", hintIn: "STARTTLS"},
		{name: "530 must issue STARTTLS", cfg: smtptest.Config{Mode: smtptest.STARTTLS, RequireTLSForMail: true},
			sec: SecurityNone, prof: func(p *Profile) { p.Auth = AuthNone; p.Username = "" }, stage: StageMail, code: 530, enh: "5.7.0", kind: "must-starttls", hintIn: "STARTTLS"},
		{name: "certificate not trusted", cfg: smtptest.Config{Mode: smtptest.ImplicitTLS, Users: users()},
			sec: SecurityTLS, prof: func(p *Profile) { p.CAFile = "" }, stage: StageTLS, kind: "cert-untrusted", hintIn: "CA file"},
		{name: "certificate name mismatch", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: users(), CertHosts: []string{"other.example"}},
			sec: SecuritySTARTTLS, stage: StageTLS, kind: "cert-name-mismatch", hintIn: "certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t, tc.cfg)
			p := profileFor(srv, tc.sec)
			if tc.prof != nil {
				tc.prof(&p)
			}
			rep := runTest(t, optsFor(p, testPass))
			checkDiag(t, rep, tc)
		})
	}
}

func checkDiag(t *testing.T, rep Report, tc diagCase) {
	t.Helper()
	if rep.OK {
		t.Fatalf("unexpected success")
	}
	if tc.stage != "" && rep.Stage != tc.stage || rep.Code != tc.code || tc.enh != "" && rep.Enhanced != tc.enh ||
		rep.Kind != tc.kind || rep.Temporary != tc.temp {
		t.Fatalf("got stage=%s code=%d enh=%q kind=%s temp=%v\nwant stage=%s code=%d enh=%q kind=%s temp=%v\nmessage: %s\nhint: %s\n%s",
			rep.Stage, rep.Code, rep.Enhanced, rep.Kind, rep.Temporary,
			tc.stage, tc.code, tc.enh, tc.kind, tc.temp, rep.Message, rep.Hint, strings.Join(rep.Transcript, "\n"))
	}
	if tc.code != 0 && !strings.Contains(strings.Join(rep.Transcript, "\n"), fmt.Sprintf("S: %d", tc.code)) {
		t.Errorf("the server's %d reply is not in the transcript:\n%s", tc.code, strings.Join(rep.Transcript, "\n"))
	}
	if !strings.Contains(rep.Hint, tc.hintIn) {
		t.Errorf("hint %q lacks %q", rep.Hint, tc.hintIn)
	}
}

func TestDiagnosisWithoutServer(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		p := Profile{Name: "x", Host: "127.0.0.1", Port: port, Security: SecuritySTARTTLS, Auth: AuthNone, From: "a@example.com", Timeout: Duration(2 * time.Second)}
		rep := runTest(t, optsFor(p, ""))
		checkDiag(t, rep, diagCase{stage: StageConnect, kind: "refused", temp: true, hintIn: "port"})
	})
	t.Run("dns name does not exist", func(t *testing.T) {
		p := Profile{Name: "x", Host: "no-such-host.example", Port: 587, Security: SecuritySTARTTLS, Auth: AuthNone, From: "a@example.com", Timeout: Duration(2 * time.Second)}
		opts := optsFor(p, "")
		opts.Resolver = stubResolver(t, 3) // NXDOMAIN
		rep := runTest(t, opts)
		checkDiag(t, rep, diagCase{stage: StageConnect, kind: "dns-not-found", hintIn: "does not exist"})
	})
	t.Run("dns server failure is temporary", func(t *testing.T) {
		p := Profile{Name: "x", Host: "mail.example", Port: 587, Security: SecuritySTARTTLS, Auth: AuthNone, From: "a@example.com", Timeout: Duration(2 * time.Second)}
		opts := optsFor(p, "")
		opts.Resolver = stubResolver(t, 2) // SERVFAIL
		rep := runTest(t, opts)
		checkDiag(t, rep, diagCase{stage: StageConnect, kind: "dns", temp: true, hintIn: "looked up"})
	})
	t.Run("password over plain text to a remote host is refused before connecting", func(t *testing.T) {
		p := Profile{Name: "x", Host: "mail.example", Port: 25, Security: SecurityNone, Auth: AuthPlain, Username: testUser, From: testUser}
		opts := optsFor(p, testPass)
		opts.DialContext = func(context.Context, string, string) (net.Conn, error) {
			t.Fatal("dialled although the settings are unsafe")
			return nil, nil
		}
		rep := runTest(t, opts)
		checkDiag(t, rep, diagCase{stage: StageSetup, kind: "insecure-auth", hintIn: "STARTTLS"})
	})
	t.Run("garbage after the greeting is an internal error", func(t *testing.T) {
		addr := smtptest.StartRaw(t, func(c net.Conn) {
			c.Write([]byte("220 hi\r\n"))
			buf := make([]byte, 512)
			c.Read(buf)
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
		})
		host, port, _ := net.SplitHostPort(addr)
		p := Profile{Name: "x", Host: host, Security: SecurityNone, Auth: AuthNone, From: "a@example.com", Timeout: Duration(2 * time.Second)}
		p.Port = atoi(port)
		rep := runTest(t, optsFor(p, ""))
		if rep.Kind != KindInternal || rep.Stage != StageEHLO {
			t.Fatalf("got kind %s stage %s: %s", rep.Kind, rep.Stage, rep.Message)
		}
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestCancelEndsStall(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, StallGreeting: true})
	p := profileFor(srv, SecuritySTARTTLS)
	p.Timeout = Duration(time.Minute)
	opts := optsFor(p, testPass)
	ctx, cancel := context.WithCancel(context.Background())
	connecting := make(chan struct{})
	opts.Progress = func(e Event) {
		if e.Stage == StageConnect && e.Status == StatusRunning {
			close(connecting)
		}
	}
	done := make(chan Report)
	go func() {
		rep, _ := Test(ctx, opts, nil)
		done <- rep
	}()
	<-connecting
	cancel()
	select {
	case rep := <-done:
		if rep.Kind != "canceled" {
			t.Fatalf("kind %q, want canceled: %s", rep.Kind, rep.Message)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not end the stalled exchange")
	}
}

func TestCheckReportsTLSAndCapabilities(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: users()})
	rep := Check(context.Background(), optsFor(profileFor(srv, SecuritySTARTTLS), testPass))
	if !rep.OK {
		t.Fatalf("%+v", rep)
	}
	if rep.TLSVersion == "" || rep.TLSCipher == "" || rep.CertIssuer == "" || rep.CertNotAfter == "" {
		t.Errorf("TLS details missing: %+v", rep)
	}
	if len(rep.AuthMechanisms) == 0 || len(rep.Capabilities) == 0 {
		t.Errorf("capabilities missing: %+v", rep)
	}
	if len(srv.Messages()) != 0 {
		t.Errorf("check sent a message")
	}
	js, _ := json.Marshal(rep)
	assertNoSecret(t, "check JSON", string(js))
	for _, f := range []string{`"tls_version"`, `"tls_cipher"`, `"cert_subject"`, `"cert_issuer"`, `"cert_not_after"`, `"capabilities"`, `"auth_mechanisms"`, `"transcript"`, `"duration_ms"`} {
		if !strings.Contains(string(js), f) {
			t.Errorf("check JSON lacks %s", f)
		}
	}
}

func TestSessionSendsSeveralMessagesOnOneConnection(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: users()})
	p := profileFor(srv, SecuritySTARTTLS)
	s, err := Dial(context.Background(), optsFor(p, testPass))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 3; i++ {
		m, err := BuildTestMessage(p, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Send(context.Background(), m.From, m.To, m.Bytes); err != nil {
			t.Fatal(err)
		}
	}
	// A rejected message leaves the session usable.
	srv.Set(func(c *smtptest.Config) {
		c.FailRcpt = &smtptest.Reply{Code: 550, Enhanced: "5.1.1", Message: "No such user"}
	})
	m, _ := BuildTestMessage(p, []string{"nobody@example.com"}, time.Now())
	_, err = s.Send(context.Background(), m.From, m.To, m.Bytes)
	var e *Error
	if !errors.As(err, &e) || e.Code != 550 {
		t.Fatalf("want a 550, got %v", err)
	}
	srv.Set(func(c *smtptest.Config) { c.FailRcpt = nil })
	if _, err := s.Send(context.Background(), m.From, m.To, m.Bytes); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 4 || srv.Connections() != 1 {
		t.Fatalf("messages=%d connections=%d", n, srv.Connections())
	}
}

func TestSecretReadOnlyWhenNeeded(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS})
	p := profileFor(srv, SecuritySTARTTLS)
	p.Auth = AuthNone
	called := false
	opts := Options{Profile: p, Secret: func() (string, error) { called = true; return "", errors.New("no") }}
	rep, _ := Test(context.Background(), opts, nil)
	if !rep.OK || called {
		t.Fatalf("ok=%v secret read=%v: %s", rep.OK, called, rep.Message)
	}
}

func TestKeyringFailureIsSetup(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: users()})
	p := profileFor(srv, SecuritySTARTTLS)
	opts := Options{Profile: p, Secret: func() (string, error) {
		return "", &KeyringError{Op: "get", Profile: p.Name, Kind: ErrKeyringUnavailable, Err: errors.New("no bus")}
	}}
	rep, _ := Test(context.Background(), opts, nil)
	if rep.Stage != StageSetup || rep.Kind != KindKeyring || srv.Connections() != 0 {
		t.Fatalf("%+v (connections %d)", rep, srv.Connections())
	}
}

// A server that echoes the credentials back (in the reply text) must not
// smuggle the password into the report, the error or the transcript.
func TestEchoedSecretIsRedacted(t *testing.T) {
	for _, form := range secretForms() {
		srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: users(),
			FailAuth: &smtptest.Reply{Code: 535, Enhanced: "5.7.8", Message: "rejected " + form}})
		p := profileFor(srv, SecuritySTARTTLS)
		p.Auth = AuthPlain
		rep := runTest(t, optsFor(p, testPass))
		if rep.Kind != KindAuthFailed || !strings.Contains(rep.Message, "[redacted]") {
			t.Fatalf("kind %s message %q", rep.Kind, rep.Message)
		}
		_, err := Dial(context.Background(), optsFor(p, testPass))
		if err == nil {
			t.Fatal("no error")
		}
		assertNoSecret(t, "error text", err.Error())
	}
}
