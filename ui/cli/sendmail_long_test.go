package cli_test

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// Cron output and scripts have lines over 998 characters: sendmail takes
// them, and the message arrives with the same text, re-encoded.
func TestSendmailLongLines(t *testing.T) {
	dir, up := relayEnv(t)
	subject := strings.TrimSpace(strings.Repeat("backup of /srv/data finished with warnings ", 30)) // 1289 characters
	line := strings.Repeat("rsync: file has vanished: \"/srv/data/café/tmp\" = gone; ", 40)
	body := "Output:\n" + line + "\n.dot line\nend\n"
	stdin := "From: Cron Daemon <root@box.example>\nTo: ops@example.org\nSubject: " + subject + "\n\n" + body
	r := run(t, dir, stdin, []string{"SMTPCONF_LANG=en"}, "sendmail", "-t", "-oi")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	msgs := up.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages upstream", len(msgs))
	}
	data := msgs[0].Data
	for i, l := range bytes.Split(data, []byte("\r\n")) {
		if len(l) > 998 {
			t.Errorf("line %d is %d characters long", i+1, len(l))
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(m.Header.Get("Subject"), "\r\n", ""); got != subject {
		t.Errorf("Subject reads %q", got)
	}
	if m.Header.Get("Content-Transfer-Encoding") != "quoted-printable" || m.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
		m.Header.Get("MIME-Version") != "1.0" {
		t.Errorf("header: %v", m.Header)
	}
	text, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(body, "\n", "\r\n"); string(text) != want {
		t.Errorf("the text reads\n%q\nwant\n%q", text, want)
	}
}
