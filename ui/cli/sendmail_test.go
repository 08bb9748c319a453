package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// sendmailScript is how cron, PHP or a shell script hand a message over:
// a pipe into sendmail -t -oi.
const sendmailScript = `printf 'From: Cron Daemon <root@box.example>\nTo: Ops <ops@example.org>\nCc: dev@example.org\nBcc: audit@example.org\nSubject: nightly %s\n\nAll good.\n.\nStill the body.\n' "$1" | "$SENDMAIL" -t -oi`

func TestSendmailFromScriptAndLink(t *testing.T) {
	dir, up := relayEnv(t)
	// The binary under its own name, then through a link named sendmail.
	link := filepath.Join(t.TempDir(), "sendmail")
	if err := os.Symlink(binary, link); err != nil {
		t.Fatal(err)
	}
	for i, sm := range []string{binary + " sendmail", link} {
		tag := []string{"direct", "link"}[i]
		cmd := exec.Command("sh", "-c", strings.Replace(sendmailScript, `"$SENDMAIL"`, sm, 1), "sh", tag)
		cmd.Env = append(os.Environ(), "SMTPCONF_CONFIG_DIR="+dir)
		if r := runCmd(t, cmd); r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tag, r.code, r.stderr)
		}
	}
	msgs := up.Messages() // delivered at once: sendmail tries before it exits
	if len(msgs) != 2 {
		t.Fatalf("%d messages upstream", len(msgs))
	}
	for _, m := range msgs {
		data := string(m.Data)
		if strings.Join(m.To, " ") != "ops@example.org dev@example.org audit@example.org" || m.From != "me@example.com" {
			t.Errorf("envelope %s -> %v", m.From, m.To)
		}
		for _, want := range []string{"From: Cron Daemon <root@box.example>\r\n", "Subject: nightly ", "Date: ", "Message-ID: <",
			"\r\n\r\nAll good.\r\n.\r\nStill the body.\r\n"} {
			if !strings.Contains(data, want) {
				t.Errorf("message lacks %q:\n%s", want, data)
			}
		}
		if strings.Contains(data, "Bcc") || strings.Contains(data, "audit@") {
			t.Errorf("Bcc kept:\n%s", data)
		}
	}
	r := run(t, dir, "", nil, "queue", "list", "--json")
	if strings.Count(r.stdout, `"origin": "sendmail"`) != 2 || strings.Count(r.stdout, `"state": "sent"`) != 2 {
		t.Errorf("queue list: %s", r.stdout)
	}
}

func TestSendmailArgumentsAndDot(t *testing.T) {
	dir, up := relayEnv(t)
	// Without -i a line with a single dot ends the message; -f and -F as
	// mailx passes them make the From header the message lacked (the
	// profile's policy, envelope, leaves it); recipients as arguments.
	r := run(t, dir, "Subject: dots\n\nbefore\n.\nafter\n", nil, "sendmail", "-odi", "-oem", "-v", "-Fcron job", "-f", "job@box.example", "--", "a@example.org")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	m := up.Messages()[0]
	if got := string(m.Data); !strings.Contains(got, "From: \"cron job\" <job@box.example>\r\n") || !strings.Contains(got, "before\r\n") || strings.Contains(got, "after") {
		t.Errorf("message:\n%s", got)
	}
	if m.From != "me@example.com" || len(m.To) != 1 || m.To[0] != "a@example.org" {
		t.Errorf("envelope %s %v", m.From, m.To)
	}
}

func TestSendmailExitCodes(t *testing.T) {
	dir, _ := relayEnv(t)
	for _, c := range []struct {
		stdin string
		args  []string
		code  int
		says  string
	}{
		{"Subject: x\n\nx\n", []string{"sendmail"}, 64, "No recipient"},
		{"Subject: x\n\nx\n", []string{"sendmail", "-bs"}, 64, "-bs"},
		{"Subject: x\n\nx\n", []string{"sendmail", "--profile", "nope", "a@example.org"}, 64, "no profile"},
		{"Subject: x\n\nx\n", []string{"sendmail", "not an address"}, 64, "not a valid"},
		// A long body line is re-encoded (TestSendmailLongLines); a header
		// field without white space to fold at cannot be fitted.
		{"X-Token: " + strings.Repeat("x", 1200) + "\n\nbody\n", []string{"sendmail", "a@example.org"}, 65, "Line 1 of the message is longer than 998"},
		{"Subject: x\n\nno recipients\n", []string{"sendmail", "-t"}, 65, "no recipient"},
	} {
		r := run(t, dir, c.stdin, []string{"SMTPCONF_LANG=en"}, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.says) {
			t.Errorf("%v: exit %d, want %d: %s", c.args, r.code, c.code, r.stderr)
		}
	}
	// No profile at all: 75, the caller keeps the message and tries later.
	empty := t.TempDir()
	if r := run(t, empty, "Subject: x\n\nx\n", nil, "sendmail", "a@example.org"); r.code != 75 || !strings.Contains(r.stderr, "profile default") {
		t.Errorf("no profile: exit %d: %s", r.code, r.stderr)
	}
	// The outbox cannot be written: 75.
	bad := t.TempDir()
	run(t, bad, "", nil, "profile", "save", "p", "--host", "127.0.0.1", "--port", "25", "--security", "none", "--auth", "none", "--from", "me@example.com")
	run(t, bad, "", nil, "profile", "default", "p")
	os.WriteFile(filepath.Join(bad, "outbox.db"), []byte("not a database, not at all"), 0o600)
	if r := run(t, bad, "Subject: x\n\nx\n", nil, "sendmail", "a@example.org"); r.code != 75 {
		t.Errorf("corrupt outbox: exit %d: %s", r.code, r.stderr)
	}
}

func TestSendmailUpstreamDown(t *testing.T) {
	dir, up := relayEnv(t)
	fastOutbox(t, dir)
	up.Set(func(c *smtptest.Config) {
		c.Greeting = &smtptest.Reply{Code: 421, Enhanced: "4.3.2", Message: "busy, try later"}
	})
	r := run(t, dir, "Subject: later\n\nqueued while down\n", nil, "sendmail", "a@example.org")
	if r.code != 0 || !strings.Contains(r.stderr, "queued") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	items := listQueue(t, dir)
	if len(items) != 1 || items[0].State != "deferred" {
		t.Fatalf("queue: %+v", items)
	}
	// The server is back: the next run delivers it (the test schedule
	// makes it due again after 30 ms; until then a run finds nothing due).
	up.Set(func(c *smtptest.Config) { c.Greeting = nil })
	deadline := time.Now().Add(10 * time.Second)
	for len(up.Messages()) == 0 && time.Now().Before(deadline) {
		if r := run(t, dir, "", nil, "queue", "run"); r.code != 0 {
			t.Fatalf("queue run: %d %s", r.code, r.stderr)
		}
	}
	if msgs := up.Messages(); len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), "queued while down") {
		t.Errorf("upstream: %d messages", len(msgs))
	}
}
