package relay

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSystemctl writes a systemctl that records its arguments and exits
// with code.
func fakeSystemctl(t *testing.T, code int, say string) (bin, logFile string) {
	t.Helper()
	dir := t.TempDir()
	bin, logFile = filepath.Join(dir, "systemctl"), filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho \"$*\" >> " + logFile + "\necho '" + say + "' >&2\nexit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, logFile
}

func TestServiceInstallUninstall(t *testing.T) {
	cfg := t.TempDir()
	bin, calls := fakeSystemctl(t, 0, "")
	s := Service{Binary: "/opt/smtp conf/smtpconf", Args: []string{"--config-dir", "/home/a/.config/smtpconf", "relay", "--listen", "127.0.0.1:2587"},
		Getenv: func(k string) string { return map[string]string{"XDG_CONFIG_HOME": cfg}[k] }, Systemctl: bin}
	res, err := s.Install(context.Background())
	if err != nil || !res.Done || !res.Changed || len(res.Manual) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if res.Path != filepath.Join(cfg, "systemd", "user", UnitName) {
		t.Errorf("path %s", res.Path)
	}
	unit, _ := os.ReadFile(res.Path)
	for _, want := range []string{`ExecStart="/opt/smtp conf/smtpconf" --config-dir /home/a/.config/smtpconf relay --listen 127.0.0.1:2587` + "\n",
		"Restart=on-failure\n", "WantedBy=default.target\n"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
	res, err = s.Uninstall(context.Background())
	if err != nil || !res.Done || !res.Changed {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := os.Stat(res.Path); !os.IsNotExist(err) {
		t.Error("unit left behind")
	}
	got, _ := os.ReadFile(calls)
	want := "--user daemon-reload\n--user enable --now smtpconf-relay.service\n--user disable --now smtpconf-relay.service\n--user daemon-reload\n"
	if string(got) != want {
		t.Errorf("systemctl calls:\n%s\nwant:\n%s", got, want)
	}
}

func TestServiceWithoutUserBus(t *testing.T) {
	cfg := t.TempDir()
	bin, _ := fakeSystemctl(t, 1, "Failed to connect to bus: No medium found")
	s := Service{Binary: "/usr/bin/smtpconf", Args: []string{"relay"}, Systemctl: bin,
		Getenv: func(k string) string { return map[string]string{"HOME": cfg}[k] }}
	res, err := s.Install(context.Background())
	if err != nil || res.Done || !res.Changed || !strings.Contains(res.Why, "Failed to connect to bus") {
		t.Fatalf("%+v %v", res, err)
	}
	if strings.Join(res.Manual, "; ") != "systemctl --user daemon-reload; systemctl --user enable --now smtpconf-relay.service" {
		t.Errorf("manual steps %q", res.Manual)
	}
	if _, err := os.Stat(filepath.Join(cfg, ".config", "systemd", "user", UnitName)); err != nil {
		t.Error("unit not written")
	}
	// Nowhere to write: an error.
	s.Getenv = func(string) string { return "" }
	if _, err := s.Install(context.Background()); err == nil {
		t.Error("no HOME: no error")
	}
}

func TestQuoteExec(t *testing.T) {
	for in, want := range map[string]string{"plain": "plain", "a b": `"a b"`, `q"x`: `"q\"x"`, "50%": "50%%", "$HOME": "$$HOME", "": `""`} {
		if got := quoteExec(in); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}
