package cli_test

import (
	"strings"
	"testing"
)

// The exports themselves are checked with the real programs in
// smtp/export; these tests drive the command: arguments, exit codes, what
// goes to standard output and what to standard error.

func saveExportProfiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"profile", "save", "work", "--host", "127.0.0.1", "--port", "2525", "--security", "starttls", "--auth", "plain",
			"--username", "me@example.com", "--from", "me@example.com", "--helo", "client.example.net"},
		{"profile", "save", "oa", "--preset", "gmail", "--auth", "xoauth2", "--username", "me@gmail.com", "--from", "me@gmail.com"},
		{"profile", "save", "nofrom", "--host", "127.0.0.1", "--port", "2525", "--security", "none", "--auth", "none"},
	} {
		if r := run(t, dir, "", nil, args...); r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	return dir
}

func TestExportPrintsEachFormat(t *testing.T) {
	dir := saveExportProfiles(t)
	for format, want := range map[string]string{
		"msmtprc": `host "127.0.0.1"`, "postfix": "relayhost = [127.0.0.1]:2525", "env": "SMTP_PORT=2525",
		"python": "PORT = 2525", "nodemailer": "port: 2525,", "phpmailer": "$mail->Port = 2525;",
		"go": "mail.WithPort(2525)", "git": "smtpServerPort = 2525",
	} {
		r := run(t, dir, "", nil, "export", format, "work")
		if r.code != 0 || !strings.Contains(r.stdout, want) || r.stderr != "" {
			t.Errorf("export %s: exit %d, stderr %q, stdout lacks %q:\n%s", format, r.code, r.stderr, want, r.stdout)
		}
	}
}

func TestExportRefusals(t *testing.T) {
	dir := saveExportProfiles(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export"}, "needs a format and a profile name"},
		{[]string{"export", "msmtprc"}, "needs a format and a profile name"},
		{[]string{"export", "sendmailrc", "work"}, `There is no export format "sendmailrc"`},
		{[]string{"export", "msmtprc", "nosuch"}, `There is no profile named "nosuch"`},
		{[]string{"export", "msmtprc", "work", "--bogus"}, "there is no flag --bogus"},
		{[]string{"export", "postfix", "oa"}, "Postfix cannot sign in with OAuth2"},
		{[]string{"export", "git", "oa"}, "git send-email cannot sign in with OAuth2"},
		{[]string{"export", "python", "nofrom"}, "has no From address"},
	} {
		r := run(t, dir, "", nil, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want exit 2 and %q)", c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
	r := run(t, dir, "", nil, "--lang", "zh", "export", "sendmailrc", "work")
	if r.code != 2 || !strings.Contains(r.stderr, "没有名为") {
		t.Errorf("zh: exit %d, %s", r.code, r.stderr)
	}
}

// An OAuth2 profile exports for the programs that take an access token,
// and says on standard error what that means.
func TestExportOAuth2Profile(t *testing.T) {
	dir := saveExportProfiles(t)
	r := run(t, dir, "", nil, "export", "python", "oa", "--with-password")
	if r.code != 0 || !strings.Contains(r.stdout, "XOAUTH2") || !strings.Contains(r.stderr, "signs in with OAuth2") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestExportWithPassword(t *testing.T) {
	haveKeyring(t)
	dir := saveExportProfiles(t)
	if r := run(t, dir, password+"\n", nil, "profile", "save", "work", "--password-stdin"); r.code != 0 {
		t.Fatalf("save: exit %d: %s", r.code, r.stderr)
	}
	for _, format := range []string{"msmtprc", "postfix", "env", "python", "nodemailer", "phpmailer", "go", "git"} {
		r := run(t, dir, "", nil, "export", format, "work")
		if r.code != 0 {
			t.Fatalf("export %s: exit %d: %s", format, r.code, r.stderr)
		}
		noSecret(t, "export "+format+" without --with-password", r.stdout+r.stderr)
		r = run(t, dir, "", nil, "export", format, "work", "--with-password")
		if r.code != 0 || !strings.Contains(r.stdout, password) || !strings.Contains(r.stderr, "contains the password") {
			t.Errorf("export %s --with-password: exit %d, password included %v, stderr %q",
				format, r.code, strings.Contains(r.stdout, password), r.stderr)
		}
		noSecret(t, "standard error", r.stderr)
	}
	// No password stored: say so, exit 2.
	if r := run(t, dir, "", nil, "profile", "save", "other", "--host", "127.0.0.1", "--port", "2525", "--security", "starttls",
		"--auth", "plain", "--username", "me@example.com", "--from", "me@example.com"); r.code != 0 {
		t.Fatalf("save: exit %d: %s", r.code, r.stderr)
	}
	r := run(t, dir, "", nil, "export", "env", "other", "--with-password")
	if r.code != 2 || !strings.Contains(r.stderr, "No password is stored") || r.stdout != "" {
		t.Errorf("no password stored: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
