package cli_test

// These tests drive the built headless binary exactly as a script would:
// through arguments, standard input, the exit code and the JSON it prints.
// Every exit code of the contract is produced by a real SMTP exchange with
// an in-process server on 127.0.0.1.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "smtpconf-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "smtpconf")
	build := exec.Command("go", "build", "-tags", "nogui", "-o", binary, "../..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the binary: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, cfgDir, stdin string, extraEnv []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--config-dir", cfgDir}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), extraEnv...)
	return runCmd(t, cmd)
}

// runCmd runs a prepared command and collects its output and exit code.
func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func decode(t *testing.T, r result, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	if dec.More() {
		t.Fatalf("more than one JSON document on stdout: %s", r.stdout)
	}
}

const password = "Tr1cky-pässword"

func noSecret(t *testing.T, where, s string) {
	t.Helper()
	b := base64.StdEncoding.EncodeToString
	for _, f := range []string{password, b([]byte(password)), b([]byte("\x00me@example.com\x00" + password))} {
		if strings.Contains(s, f) {
			t.Fatalf("%s contains the password", where)
		}
	}
}

func haveKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv("SMTPCONF_KEYRING_TEST") != "1" {
		t.Skip("needs a real keyring: run through .ci/with-keyring.sh (make test does)")
	}
}

func TestPresetsJSON(t *testing.T) {
	r := run(t, t.TempDir(), "", nil, "presets", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var list []map[string]any
	decode(t, r, &list)
	ids := map[string]bool{}
	for _, p := range list {
		for _, f := range []string{"id", "name", "host", "port", "security", "auth", "domains", "notes", "help_url"} {
			if _, ok := p[f]; !ok {
				t.Errorf("preset %v lacks %q", p["id"], f)
			}
		}
		ids[p["id"].(string)] = true
	}
	for _, id := range []string{"gmail", "outlook", "microsoft365", "yahoo", "icloud", "qq", "163", "126", "exmail", "aliyun", "sendgrid", "ses", "custom", "local"} {
		if !ids[id] {
			t.Errorf("missing preset %q", id)
		}
	}
}

func TestProfileLifecycle(t *testing.T) {
	dir := t.TempDir()
	r := run(t, dir, "", nil, "profile", "save", "work", "--preset", "gmail", "--from", "me@gmail.com", "--auth", "none")
	if r.code != 0 {
		t.Fatalf("save: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, dir, "", nil, "profile", "show", "work", "--json")
	var p map[string]any
	decode(t, r, &p)
	if p["host"] != "smtp.gmail.com" || p["port"].(float64) != 465 || p["security"] != "tls" || p["from"] != "me@gmail.com" {
		t.Fatalf("preset not applied: %v", p)
	}
	// Flags not given keep their value.
	r = run(t, dir, "", nil, "profile", "save", "work", "--port", "587", "--security", "starttls")
	if r.code != 0 {
		t.Fatalf("update: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, dir, "", nil, "profile", "list", "--json")
	var list []map[string]any
	decode(t, r, &list)
	if len(list) != 1 || list[0]["port"].(float64) != 587 || list[0]["host"] != "smtp.gmail.com" || list[0]["from"] != "me@gmail.com" {
		t.Fatalf("update lost values: %v", list)
	}
	st, err := os.Stat(filepath.Join(dir, "profiles.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("profiles file mode: %v %v", st, err)
	}
	// Bad input: exit 2, a message that says what is wrong, nothing changed.
	before, _ := os.ReadFile(filepath.Join(dir, "profiles.json"))
	for _, args := range [][]string{
		{"profile", "save", "work", "--port", "70000"},
		{"profile", "save", "work", "--security", "ssl3"},
		{"profile", "save", "work", "--from", "not an address"},
		{"profile", "save", "work", "--host", "smtp.gmail.com:587"},
		{"profile", "save", "work", "--preset", "nope"},
		{"profile", "save", "work", "--from-name", "Eve\r\nBcc: victim@example.com"},
	} {
		r = run(t, dir, "", nil, args...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	after, _ := os.ReadFile(filepath.Join(dir, "profiles.json"))
	if !bytes.Equal(before, after) {
		t.Fatalf("bad input changed the profiles file")
	}
	r = run(t, dir, "", nil, "profile", "delete", "work")
	if r.code != 0 {
		t.Fatalf("delete: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, dir, "", nil, "profile", "show", "work", "--json")
	if r.code != 2 {
		t.Fatalf("show of a deleted profile: exit %d", r.code)
	}
}

func TestCorruptProfilesFileIsKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "profiles.json")
	os.WriteFile(path, []byte("{not json"), 0o600)
	r := run(t, dir, "", nil, "profile", "save", "x", "--preset", "gmail", "--from", "a@gmail.com", "--auth", "none")
	if r.code != 2 || !strings.Contains(r.stderr, path) {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(path); string(b) != "{not json" {
		t.Fatalf("corrupt file was replaced: %q", b)
	}
}

// testReport is the contract of `test --json`.
type testReport struct {
	OK         bool     `json:"ok"`
	Stage      string   `json:"stage"`
	Code       int      `json:"code"`
	Enhanced   string   `json:"enhanced"`
	Message    string   `json:"message"`
	Hint       string   `json:"hint"`
	Temporary  bool     `json:"temporary"`
	Queued     bool     `json:"queued"`
	QueueID    *string  `json:"queue_id"`
	Transcript []string `json:"transcript"`
	DurationMS *int     `json:"duration_ms"`
}

func saveProfile(t *testing.T, dir string, srv *smtptest.Server, host string, port int, sec, auth string, extra ...string) {
	t.Helper()
	args := []string{"profile", "save", "p", "--host", host, "--port", fmt.Sprint(port), "--security", sec,
		"--auth", auth, "--from", "me@example.com", "--timeout", "2s"}
	if srv != nil {
		args = append(args, "--ca-file", srv.CAFile)
	}
	args = append(args, extra...)
	stdin := ""
	if auth != "none" {
		args = append(args, "--password-stdin")
		stdin = password + "\n"
	}
	r := run(t, dir, stdin, nil, args...)
	if r.code != 0 {
		t.Fatalf("profile save: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	noSecret(t, "save output", r.stdout+r.stderr)
	if auth != "none" {
		t.Cleanup(func() { run(t, dir, "", nil, "profile", "delete", "p") })
	}
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		name    string
		cfg     smtptest.Config
		sec     string
		auth    string
		keyring bool
		portFn  func(t *testing.T) int // a port without a server
		raw     func(net.Conn)         // a hand-written misbehaving server
		code    int
		stage   string
		smtp    int
		temp    bool
	}{
		{name: "0 delivered", cfg: smtptest.Config{Mode: smtptest.STARTTLS}, sec: "starttls", auth: "none", code: 0, stage: "done"},
		{name: "0 delivered with AUTH", cfg: smtptest.Config{Mode: smtptest.ImplicitTLS, Users: map[string]string{"me@example.com": password}}, sec: "tls", auth: "auto", keyring: true, code: 0, stage: "done"},
		{name: "1 protocol garbage", raw: func(c net.Conn) {
			c.Write([]byte("220 hi\r\n"))
			c.Read(make([]byte, 512))
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
		}, sec: "none", auth: "none", code: 1, stage: "ehlo"},
		{name: "3 refused", portFn: freePort, sec: "starttls", auth: "none", code: 3, stage: "connect", temp: true},
		{name: "3 silence before greeting", cfg: smtptest.Config{Mode: smtptest.STARTTLS, StallGreeting: true}, sec: "starttls", auth: "none", code: 3, stage: "connect", temp: true},
		{name: "4 implicit TLS on a STARTTLS port", cfg: smtptest.Config{Mode: smtptest.STARTTLS}, sec: "tls", auth: "none", code: 4, stage: "tls"},
		{name: "4 STARTTLS not offered", cfg: smtptest.Config{Mode: smtptest.Plain}, sec: "starttls", auth: "none", code: 4, stage: "tls"},
		{name: "5 wrong password", cfg: smtptest.Config{Mode: smtptest.STARTTLS, Users: map[string]string{"me@example.com": "other"}}, sec: "starttls", auth: "auto", keyring: true, code: 5, stage: "auth", smtp: 535},
		{name: "6 550 at MAIL", cfg: smtptest.Config{Mode: smtptest.STARTTLS, FailMail: &smtptest.Reply{Code: 550, Enhanced: "5.7.1", Message: "Sender rejected"}}, sec: "starttls", auth: "none", code: 6, stage: "mail", smtp: 550},
		{name: "7 451 at RCPT", cfg: smtptest.Config{Mode: smtptest.STARTTLS, FailRcpt: &smtptest.Reply{Code: 451, Enhanced: "4.7.1", Message: "Try again later"}}, sec: "starttls", auth: "none", code: 7, stage: "rcpt", smtp: 451, temp: true},
		{name: "7 dropped mid-DATA", cfg: smtptest.Config{Mode: smtptest.STARTTLS, DropMidData: true}, sec: "starttls", auth: "none", code: 7, stage: "data", temp: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.keyring {
				haveKeyring(t)
			}
			dir := t.TempDir()
			var srv *smtptest.Server
			host, port := "127.0.0.1", 0
			switch {
			case tc.portFn != nil:
				port = tc.portFn(t)
			case tc.raw != nil:
				addr := smtptest.StartRaw(t, tc.raw)
				_, ps, _ := net.SplitHostPort(addr)
				fmt.Sscan(ps, &port)
			default:
				srv = smtptest.Start(t, tc.cfg)
				port = srv.Port
			}
			saveProfile(t, dir, srv, host, port, tc.sec, tc.auth)
			r := run(t, dir, "", nil, "test", "p", "--json", "--to", "you@example.com")
			var rep testReport
			decode(t, r, &rep)
			if r.code != tc.code || rep.Stage != tc.stage || rep.Code != tc.smtp || rep.Temporary != tc.temp || rep.OK != (tc.code == 0) {
				t.Fatalf("exit %d stage %s code %d temp %v ok %v; want exit %d stage %s code %d temp %v\n%s\n%s",
					r.code, rep.Stage, rep.Code, rep.Temporary, rep.OK, tc.code, tc.stage, tc.smtp, tc.temp, r.stdout, r.stderr)
			}
			if rep.QueueID == nil || rep.DurationMS == nil || rep.Transcript == nil {
				t.Fatalf("contract fields missing: %s", r.stdout)
			}
			if rep.Queued != tc.temp || (*rep.QueueID != "") != tc.temp {
				t.Fatalf("queued %v, queue_id %q: a temporary failure (and only one) goes to the outbox", rep.Queued, *rep.QueueID)
			}
			if !rep.OK && rep.Hint == "" {
				t.Fatalf("failure without a hint")
			}
			noSecret(t, "test output", r.stdout+r.stderr)
			if b, err := os.ReadFile(filepath.Join(dir, "profiles.json")); err == nil {
				noSecret(t, "profiles file", string(b))
			}
			if tc.code == 0 && srv != nil {
				if m := srv.Messages(); len(m) != 1 || m[0].To[0] != "you@example.com" {
					t.Fatalf("server messages: %+v", m)
				}
			}
		})
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestSetupFailuresPrintJSON(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"test", "missing", "--json"}, {"check", "missing", "--json"}} {
		r := run(t, dir, "", nil, args...)
		var rep testReport
		decode(t, r, &rep)
		if r.code != 2 || rep.Stage != "setup" || rep.OK || rep.Hint == "" {
			t.Fatalf("%v: exit %d %+v", args, r.code, rep)
		}
	}
}

func TestNoKeyringIsClear(t *testing.T) {
	dir := t.TempDir()
	env := []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/smtpconf-test-bus"}
	r := run(t, dir, password+"\n", env, "profile", "save", "p", "--preset", "gmail", "--from", "me@gmail.com", "--password-stdin")
	if r.code != 2 {
		t.Fatalf("exit %d, want 2: %s", r.code, r.stderr)
	}
	if !strings.Contains(strings.ToLower(r.stderr), "keyring") || !strings.Contains(r.stderr, "Hint:") {
		t.Fatalf("message does not explain: %s", r.stderr)
	}
	noSecret(t, "stderr", r.stderr)
	if _, err := os.Stat(filepath.Join(dir, "profiles.json")); !os.IsNotExist(err) {
		t.Fatalf("a profile was written although the password could not be stored")
	}
	// A profile that needs a password cannot be tested without a keyring: setup, exit 2.
	run(t, dir, "", nil, "profile", "save", "p", "--preset", "gmail", "--from", "me@gmail.com")
	r = run(t, dir, "", env, "test", "p", "--json")
	var rep testReport
	decode(t, r, &rep)
	if r.code != 2 || rep.Stage != "setup" || !strings.Contains(strings.ToLower(rep.Hint), "keyring") {
		t.Fatalf("exit %d: %+v", r.code, rep)
	}
}

func TestCheckJSON(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS})
	dir := t.TempDir()
	saveProfile(t, dir, srv, "127.0.0.1", srv.Port, "starttls", "none")
	r := run(t, dir, "", nil, "check", "p", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	var m map[string]any
	decode(t, r, &m)
	for _, f := range []string{"ok", "stage", "code", "enhanced", "message", "hint", "temporary", "queued", "queue_id", "transcript", "duration_ms",
		"tls_version", "tls_cipher", "cert_subject", "cert_issuer", "cert_not_after", "capabilities", "auth_mechanisms"} {
		if _, ok := m[f]; !ok {
			t.Errorf("check --json lacks %q", f)
		}
	}
	if m["tls_version"] == "" || len(srv.Messages()) != 0 {
		t.Fatalf("bad check: %v", m)
	}
}

func TestBareHeadlessBuildSaysNoWindow(t *testing.T) {
	cmd := exec.Command(binary)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 || !strings.Contains(errb.String(), "no window") {
		t.Fatalf("err %v, stderr %q", err, errb.String())
	}
}

// TestTestOpensOnlyTheProfiles: a test send that succeeds, or fails for
// good, reads the profiles and nothing else: it creates no outbox database
// and no sign-in settings (the wiring opens only what a command uses).
func TestTestOpensOnlyTheProfiles(t *testing.T) {
	for name, cfg := range map[string]smtptest.Config{
		"delivered":   {Mode: smtptest.STARTTLS},
		"550 at MAIL": {Mode: smtptest.STARTTLS, FailMail: &smtptest.Reply{Code: 550, Enhanced: "5.7.1", Message: "Sender rejected"}},
	} {
		t.Run(name, func(t *testing.T) {
			srv := smtptest.Start(t, cfg)
			dir := t.TempDir()
			saveProfile(t, dir, srv, "127.0.0.1", srv.Port, "starttls", "none")
			r := run(t, dir, "", nil, "test", "p", "--to", "you@example.com")
			if r.code != 0 && r.code != 6 {
				t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.Name() != "profiles.json" && e.Name() != "profiles.lock" {
					t.Errorf("test created %s", e.Name())
				}
			}
		})
	}
}
