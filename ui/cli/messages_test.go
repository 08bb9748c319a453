package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Range errors name their flag, messages carry no internal prefix and no
// doubled full stop, and hosts IDNA refuses are refused with a reason
// (issue 15, defects 19 and 20).
func TestMessagesNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	env := []string{"SMTPCONF_LANG=en"}
	if r := run(t, dir, "", env, "profile", "save", "a", "--host", "smtp.example.com", "--auth", "none", "--from", "a@example.com"); r.code != 0 {
		t.Fatalf("save: %d %s", r.code, r.stderr)
	}
	r := run(t, dir, "", env, "profile", "save", "a", "--port", "70000")
	if r.code != 2 || !strings.Contains(r.stderr, "--port") || !strings.Contains(r.stderr, "70000") {
		t.Errorf("--port 70000: exit %d, %q; want 2 and a message naming --port", r.code, r.stderr)
	}
	r = run(t, dir, "", env, "profile", "save", "a", "--timeout", "-5s")
	if r.code != 2 || !strings.Contains(r.stderr, "--timeout") {
		t.Errorf("--timeout -5s: exit %d, %q; want 2 and a message naming --timeout", r.code, r.stderr)
	}
	r = run(t, dir, "", env, "test", "a", "--timeout", "0", "--json")
	if strings.Contains(r.stdout, "setup:") || strings.Contains(r.stdout, "..") || strings.Contains(r.stdout, "  Correct") {
		t.Errorf("test --timeout 0 --json leaks a prefix or doubles a full stop:\n%s", r.stdout)
	}
	for host, why := range map[string]string{
		"smtp.☃.example":   "not allowed in host names",
		"smtp。example。com": "full-width dot",
	} {
		r = run(t, dir, "", env, "profile", "save", "a", "--host", host)
		if r.code != 2 || !strings.Contains(r.stderr, why) {
			t.Errorf("--host %s: exit %d, %q; want 2 and %q", host, r.code, r.stderr, why)
		}
	}
	long := strings.Repeat("x", 120000)
	r = run(t, dir, "", env, "profile", "save", "a", "--host", long+".example")
	if r.code != 2 || len(r.stderr) > 2000 {
		t.Errorf("a 120 KB host: exit %d and a %d-byte message", r.code, len(r.stderr))
	}
}

// A profile name made too long by editing profiles.json by hand is
// reported, and clipped in the table (defect 19).
func TestHandEditedLongNameIsReported(t *testing.T) {
	dir := t.TempDir()
	env := []string{"SMTPCONF_LANG=en"}
	if r := run(t, dir, "", env, "profile", "save", "a", "--host", "smtp.example.com", "--auth", "none"); r.code != 0 {
		t.Fatalf("save: %d %s", r.code, r.stderr)
	}
	p := filepath.Join(dir, "profiles.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("y", 5000)
	if err := os.WriteFile(p, bytes.Replace(data, []byte(`"name": "a"`), []byte(`"name": "`+long+`"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, "", env, "profile", "list")
	if r.code != 0 || !strings.Contains(r.stderr, "not valid") || len(r.stdout+r.stderr) > 2000 {
		t.Errorf("profile list: exit %d\nstdout %.300q\nstderr %.300q", r.code, r.stdout, r.stderr)
	}
}
