package cli_test

// The relay and its service, driven through the built binary: real
// processes, real signals, a real SMTP server upstream on 127.0.0.1.

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gsmtp "github.com/emersion/go-smtp"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// relayProc is a running `smtpconf relay`.
type relayProc struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	log  strings.Builder
	done chan struct{}
}

func (p *relayProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// startRelay starts the relay on 127.0.0.1:0 and waits until it listens.
func startRelay(t *testing.T, dir string, args ...string) *relayProc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--config-dir", dir, "--lang", "en", "relay", "--listen", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &relayProc{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			if rest, ok := strings.CutPrefix(line, "Relay listening on "); ok {
				a, _, _ := strings.Cut(rest, ";")
				addr <- a
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	select {
	case p.addr = <-addr:
	case <-p.done:
		cmd.Wait()
		t.Fatalf("the relay did not start:\n%s", p.logText())
	case <-time.After(20 * time.Second):
		t.Fatalf("the relay did not say where it listens:\n%s", p.logText())
	}
	return p
}

// relayEnv is a config directory whose default profile sends, without TLS
// or AUTH, to an upstream test server.
func relayEnv(t *testing.T) (dir string, up *smtptest.Server) {
	t.Helper()
	dir = t.TempDir()
	up = smtptest.Start(t, smtptest.Config{})
	if r := run(t, dir, "", nil, "profile", "save", "up", "--host", "127.0.0.1", "--port", fmt.Sprint(up.Port),
		"--security", "none", "--auth", "none", "--from", "me@example.com", "--timeout", "5s"); r.code != 0 {
		t.Fatalf("profile save: %s", r.stderr)
	}
	if r := run(t, dir, "", nil, "profile", "default", "up"); r.code != 0 {
		t.Fatalf("profile default: %s", r.stderr)
	}
	return dir, up
}

func waitUpstream(t *testing.T, up *smtptest.Server, want func([]smtptest.Message) bool, what string) []smtptest.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msgs := up.Messages()
		if want(msgs) {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("upstream: %s not seen; it has %d messages", what, len(msgs))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// submit sends one message over a new connection and reports whether the
// relay answered 250 to it.
func submit(addr, id string) bool {
	c, err := gsmtp.Dial(addr)
	if err != nil {
		return false
	}
	defer c.Close()
	body := "From: job@box.example\r\nTo: r@example.org\r\nSubject: crash " + id + "\r\nMessage-ID: <" + id + "@box.example>\r\n\r\n" +
		strings.Repeat("Some text of a message, line by line.\r\n", 25)
	return c.SendMail("job@box.example", []string{"r@example.org"}, strings.NewReader(body)) == nil
}

// TestRelayCrashSafety submits messages from four clients while the relay
// is SIGKILLed at random moments. Every message that was answered 250 is
// delivered after a restart; the relay never answers 250 for a message it
// does not hold.
func TestRelayCrashSafety(t *testing.T) {
	dir, up := relayEnv(t)
	// Quick retries, and every sent entry kept, so the outbox can be
	// compared with what the clients were told.
	settings := `{"schedule":{"first":"30ms","max":"100ms","rate_limit_floor":"50ms"},"poll":"100ms","keep_sent":1000000}`
	if err := os.WriteFile(filepath.Join(dir, "outbox.json"), []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	accepted := map[string]bool{}
	tried := 0
	seq := 0
	for round := range 5 {
		p := startRelay(t, dir)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for c := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					seq++
					id := fmt.Sprintf("r%dc%dn%d", round, c, seq)
					tried++
					mu.Unlock()
					if submit(p.addr, id) {
						mu.Lock()
						accepted[id] = true
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
		close(stop)
		wg.Wait()
	}
	if len(accepted) < 20 {
		t.Fatalf("only %d of %d messages accepted: the relay barely ran", len(accepted), tried)
	}
	// A restart delivers every accepted message.
	p := startRelay(t, dir)
	msgs := waitUpstream(t, up, func(ms []smtptest.Message) bool {
		seen := map[string]bool{}
		for _, m := range ms {
			seen[messageID(m.Data)] = true
		}
		for id := range accepted {
			if !seen["<"+id+"@box.example>"] {
				return false
			}
		}
		return true
	}, "every accepted message")
	// The outbox holds every accepted message, and only messages a client
	// sent; any it holds beyond those were cut between the commit and the
	// reply, and are delivered too (at least once).
	stored := map[string]bool{}
	for _, it := range listQueue(t, dir) {
		id, ok := strings.CutPrefix(it.Subject, "crash ")
		if !ok || !strings.HasPrefix(id, "r") {
			t.Errorf("unknown entry %+v", it)
		}
		stored[id] = true
	}
	for id := range accepted {
		if !stored[id] {
			t.Errorf("%s was answered 250 but is not in the outbox", id)
		}
	}
	t.Logf("%d messages tried, %d answered 250, %d stored (%d cut between the commit and the reply), %d deliveries upstream",
		tried, len(accepted), len(stored), len(stored)-len(accepted), len(msgs))

	// SIGTERM: a clean stop.
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("relay after SIGTERM: %v\n%s", err, p.logText())
	}
	<-p.done
	if log := p.logText(); !strings.Contains(log, "Relay stopped.") || !strings.Contains(log, "sent") {
		t.Errorf("log:\n%s", log)
	}
}

func TestRelayLogsAndOrigin(t *testing.T) {
	dir, up := relayEnv(t)
	p := startRelay(t, dir)
	if !submit(p.addr, "logged") {
		t.Fatal("not accepted")
	}
	waitUpstream(t, up, func(ms []smtptest.Message) bool { return len(ms) == 1 }, "the message")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.logText(), "sent") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	log := p.logText()
	for _, want := range []string{"Profile up: its server offers", "accepted  ", "me@example.com to r@example.org", "sent"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	r := run(t, dir, "", nil, "queue", "list", "--json")
	if !strings.Contains(r.stdout, `"origin": "relay"`) {
		t.Errorf("queue list: %s", r.stdout)
	}
}

func TestRelayRefusesNonLoopback(t *testing.T) {
	dir, _ := relayEnv(t)
	for _, args := range [][]string{{"relay", "--listen", "0.0.0.0:0"}, {"relay", "--listen", "[::]:0", "--require-auth"},
		{"relay", "install", "--listen", "0.0.0.0:2587", "--starttls"}} {
		r := run(t, dir, "", []string{"XDG_CONFIG_HOME=" + t.TempDir()}, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "--require-auth and --starttls") {
			t.Errorf("%v: exit %d: %s", args, r.code, r.stderr)
		}
	}
}

func TestRelayCredentials(t *testing.T) {
	haveKeyring(t)
	dir, up := relayEnv(t)
	var cred struct{ User, Password string }
	decode(t, run(t, dir, "", nil, "relay", "credentials", "--json"), &cred)
	var again struct{ User, Password string }
	decode(t, run(t, dir, "", nil, "relay", "credentials", "--json"), &again)
	if cred.User == "" || len(cred.Password) < 20 || again != cred {
		t.Fatalf("credential %q/%d, then %+v", cred.User, len(cred.Password), again == cred)
	}
	p := startRelay(t, dir, "--require-auth")
	c, err := gsmtp.Dial(p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SendMail("a@box.example", []string{"r@example.org"}, strings.NewReader("Subject: x\r\n\r\nx\r\n")); err == nil {
		t.Error("accepted without logging in")
	}
	c2, _ := gsmtp.Dial(p.addr)
	defer c2.Close()
	if err := c2.Auth(sasl.NewPlainClient("", cred.User, cred.Password)); err != nil {
		t.Fatal(err)
	}
	if err := c2.SendMail("a@box.example", []string{"r@example.org"}, strings.NewReader("Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	waitUpstream(t, up, func(ms []smtptest.Message) bool { return len(ms) == 1 }, "the message")
	run(t, dir, "", nil, "profile", "delete", "up") // removes nothing of the relay's
}

// fakeSystemctl puts a systemctl on PATH that records its arguments.
func fakeSystemctl(t *testing.T, exit int) (pathDir, calls string) {
	t.Helper()
	pathDir = t.TempDir()
	calls = filepath.Join(pathDir, "calls")
	script := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %s\n[ %d = 0 ] || echo 'Failed to connect to bus: No medium found' >&2\nexit %d\n", calls, exit, exit)
	if err := os.WriteFile(filepath.Join(pathDir, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return pathDir, calls
}

func TestRelayInstallUninstall(t *testing.T) {
	dir, _ := relayEnv(t)
	xdg := t.TempDir()
	pathDir, calls := fakeSystemctl(t, 0)
	env := []string{"XDG_CONFIG_HOME=" + xdg, "PATH=" + pathDir}
	r := run(t, dir, "", env, "relay", "install", "--profile", "up", "--require-auth")
	if r.code != 0 {
		t.Fatalf("install: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	unitPath := filepath.Join(xdg, "systemd", "user", "smtpconf-relay.service")
	unit, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := filepath.EvalSymlinks(binary)
	wantExec := "ExecStart=" + exe + " --config-dir " + dir + " relay --profile=up --require-auth=true\n"
	if !strings.Contains(string(unit), wantExec) || !strings.Contains(string(unit), "Restart=on-failure") {
		t.Errorf("unit:\n%s\nwant %q", unit, wantExec)
	}
	if !strings.Contains(r.stdout, "journalctl --user -u smtpconf-relay.service") {
		t.Errorf("install said: %s", r.stdout)
	}
	r = run(t, dir, "", env, "relay", "uninstall")
	if r.code != 0 {
		t.Fatalf("uninstall: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(unitPath); !os.IsNotExist(err) {
		t.Error("unit left behind")
	}
	got, _ := os.ReadFile(calls)
	want := "--user daemon-reload\n--user enable --now smtpconf-relay.service\n--user disable --now smtpconf-relay.service\n--user daemon-reload\n"
	if string(got) != want {
		t.Errorf("systemctl calls:\n%s", got)
	}
	// Uninstalling again: nothing to do, exit 0.
	if r = run(t, dir, "", env, "relay", "uninstall"); r.code != 0 || !strings.Contains(r.stdout, "not installed") {
		t.Errorf("second uninstall: %d %s", r.code, r.stdout)
	}
}

func TestRelayInstallWithoutSystemd(t *testing.T) {
	dir, _ := relayEnv(t)
	for _, c := range []struct {
		name string
		path string
	}{{"no systemctl", t.TempDir()}, {"no user bus", func() string { d, _ := fakeSystemctl(t, 1); return d }()}} {
		xdg := t.TempDir()
		r := run(t, dir, "", []string{"XDG_CONFIG_HOME=" + xdg, "PATH=" + c.path}, "relay", "install")
		if r.code != 0 || !strings.Contains(r.stdout, "systemctl --user enable --now smtpconf-relay.service") ||
			!strings.Contains(r.stdout, "systemctl --user daemon-reload") {
			t.Errorf("%s: exit %d: %s %s", c.name, r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(xdg, "systemd", "user", "smtpconf-relay.service")); err != nil {
			t.Errorf("%s: unit not written", c.name)
		}
	}
	// Nowhere to write the unit: exit 2.
	ro := filepath.Join(t.TempDir(), "file")
	os.WriteFile(ro, nil, 0o600)
	if r := run(t, dir, "", []string{"XDG_CONFIG_HOME=" + ro}, "relay", "install"); r.code != 2 {
		t.Errorf("unwritable: exit %d: %s", r.code, r.stderr)
	}
}

func TestProfileDefault(t *testing.T) {
	dir, _ := relayEnv(t)
	run(t, dir, "", nil, "profile", "save", "other", "--host", "127.0.0.1", "--port", "25", "--security", "none", "--auth", "none")
	r := run(t, dir, "", nil, "profile", "default")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "up" {
		t.Errorf("show: %d %q", r.code, r.stdout)
	}
	var list []map[string]any
	decode(t, run(t, dir, "", nil, "profile", "list", "--json"), &list)
	for _, p := range list {
		if p["default"] != (p["name"] == "up") {
			t.Errorf("%v", p)
		}
	}
	if r := run(t, dir, "", nil, "--lang", "en", "profile", "list"); !strings.Contains(r.stdout, "up (default)") {
		t.Errorf("list: %s", r.stdout)
	}
	if r := run(t, dir, "", nil, "profile", "default", "nope"); r.code != 2 {
		t.Errorf("unknown: %d", r.code)
	}
	run(t, dir, "", nil, "profile", "delete", "up")
	if r := run(t, dir, "", nil, "profile", "default", "--json"); !strings.Contains(r.stdout, `"default": ""`) {
		t.Errorf("after delete: %s", r.stdout)
	}
}

func TestFromPolicyFlag(t *testing.T) {
	dir := t.TempDir()
	r := run(t, dir, "", nil, "profile", "save", "q", "--preset", "qq", "--from", "me@qq.com", "--auth", "none")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	var v map[string]any
	decode(t, run(t, dir, "", nil, "profile", "show", "q", "--json"), &v)
	if v["from_policy"] != "header" {
		t.Errorf("qq default: %v", v["from_policy"])
	}
	run(t, dir, "", nil, "profile", "save", "q", "--from-policy", "keep")
	decode(t, run(t, dir, "", nil, "profile", "show", "q", "--json"), &v)
	if v["from_policy"] != "keep" {
		t.Errorf("after --from-policy keep: %v", v["from_policy"])
	}
	if r := run(t, dir, "", nil, "profile", "save", "q", "--from-policy", "rewrite"); r.code != 2 {
		t.Errorf("bad policy: exit %d", r.code)
	}
}
