package cli_test

import (
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/dnstest"
)

type detectJSON struct {
	OK       bool     `json:"ok"`
	Source   string   `json:"source"`
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	Security string   `json:"security"`
	Auth     string   `json:"auth"`
	Username string   `json:"username"`
	Evidence []string `json:"evidence"`
}

func TestDetectCommand(t *testing.T) {
	nx := dnstest.Start(t).Addr
	mx := dnstest.Start(t, "example.test. 60 IN MX 10 aspmx.l.google.com.").Addr
	tests := []struct {
		name     string
		args     []string
		code     int
		ok       bool
		source   string
		host     string
		username string
	}{
		{"preset, no network", []string{"detect", "user@gmail.com", "--json", "--dns-server", nx},
			0, true, "preset", "smtp.gmail.com", "user@gmail.com"},
		{"MX through --dns-server", []string{"detect", "--json", "ann@example.test", "--dns-server", mx, "--timeout", "5s"},
			0, true, "mx", "smtp.gmail.com", "ann@example.test"},
		{"nothing found", []string{"detect", "ann@example.test", "--json", "--dns-server", nx, "--timeout", "5s"},
			3, false, "", "", ""},
		{"invalid address", []string{"detect", "not-an-address", "--json", "--dns-server", nx},
			2, false, "", "", ""},
	}
	// A preset's answer carries the preset's sign-in method ("auto" unless
	// the preset says otherwise: Gmail prefers xoauth2).
	gmail, _ := smtp.PresetByID("gmail")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantAuth := "auto"
			if tc.host == gmail.Host {
				wantAuth = string(gmail.Auth)
			}
			res := run(t, t.TempDir(), "", nil, tc.args...)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", res.code, tc.code, res.stdout, res.stderr)
			}
			var v detectJSON
			decode(t, res, &v)
			if v.OK != tc.ok || v.Source != tc.source || v.Host != tc.host || v.Username != tc.username || v.Auth != wantAuth {
				t.Errorf("got %+v", v)
			}
			if v.Evidence == nil {
				t.Errorf("evidence missing: %s", res.stdout)
			}
		})
	}
}

func TestDetectUsage(t *testing.T) {
	for _, args := range [][]string{
		{"detect"},
		{"detect", "a@b.test", "c@d.test"},
		{"detect", "a@b.test", "--dns-server", "nonsense"},
		{"detect", "a@b.test", "--timeout", "0s"},
	} {
		if res := run(t, t.TempDir(), "", nil, args...); res.code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %s)", args, res.code, res.stderr)
		}
	}
}
