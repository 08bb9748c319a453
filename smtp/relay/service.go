package relay

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// UnitName is the systemd user unit that runs the relay.
const UnitName = "smtpconf-relay.service"

// Service says where the relay's systemd user unit goes and what it runs.
type Service struct {
	// Binary is the absolute path of the smtpconf binary to run.
	Binary string
	// Args follow the binary in ExecStart: the global flags and "relay"
	// with its flags.
	Args []string
	// Getenv reads XDG_CONFIG_HOME and HOME; nil means os.Getenv.
	Getenv func(string) string
	// Systemctl is the systemctl program; "" means the one on PATH.
	Systemctl string
}

// ServiceResult is what Install or Uninstall did.
type ServiceResult struct {
	// Path is the unit file's path.
	Path string
	// Changed: the unit file was written (Install) or removed (Uninstall).
	Changed bool
	// Done: systemctl did the rest (reload, enable and start; or stop,
	// disable and reload).
	Done bool
	// Manual are the commands the person still has to run when systemctl
	// is missing or could not reach the user's service manager.
	Manual []string
	// Why says why systemctl could not be used ("" when Done).
	Why string
}

func (s Service) getenv(k string) string {
	if s.Getenv != nil {
		return s.Getenv(k)
	}
	return os.Getenv(k)
}

// UnitPath is where the unit goes: $XDG_CONFIG_HOME/systemd/user, else
// ~/.config/systemd/user.
func (s Service) UnitPath() (string, error) {
	base := s.getenv("XDG_CONFIG_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home := s.getenv("HOME")
		if home == "" {
			return "", errors.New("neither XDG_CONFIG_HOME nor HOME is set")
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "systemd", "user", UnitName), nil
}

// Unit is the unit file's text.
func (s Service) Unit() string {
	cmd := []string{quoteExec(s.Binary)}
	for _, a := range s.Args {
		cmd = append(cmd, quoteExec(a))
	}
	return "# Written by 'smtpconf relay install'; remove with 'smtpconf relay uninstall'.\n" +
		"[Unit]\n" +
		"Description=SMTP Configurator local mail relay\n" +
		"\n" +
		"[Service]\n" +
		"ExecStart=" + strings.Join(cmd, " ") + "\n" +
		"Restart=on-failure\n" +
		"RestartSec=5\n" +
		"\n" +
		"[Install]\n" +
		"WantedBy=default.target\n"
}

// quoteExec quotes one ExecStart word: systemd splits on spaces, reads C
// escapes in double quotes, and expands % specifiers and $ variables.
func quoteExec(a string) string {
	a = strings.NewReplacer("%", "%%", "$", "$$").Replace(a)
	if a != "" && !strings.ContainsAny(a, " \t\"'\\;") {
		return a
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a) + `"`
}

// Install writes the unit and asks systemctl to reload, enable and start
// it. Where systemctl is missing or cannot reach a user service manager,
// the unit is still written and Manual says what to run. The error is a
// failure to write the unit: then nothing was done.
func (s Service) Install(ctx context.Context) (ServiceResult, error) {
	path, err := s.UnitPath()
	if err != nil {
		return ServiceResult{}, err
	}
	res := ServiceResult{Path: path}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return res, err
	}
	if err := os.WriteFile(path, []byte(s.Unit()), 0o644); err != nil {
		return res, err
	}
	res.Changed = true
	steps := [][]string{{"--user", "daemon-reload"}, {"--user", "enable", "--now", UnitName}}
	res.Done, res.Why, res.Manual = s.systemctl(ctx, steps)
	return res, nil
}

// Uninstall stops and disables the unit and removes its file. A unit that
// is not there is not an error (Changed is false).
func (s Service) Uninstall(ctx context.Context) (ServiceResult, error) {
	path, err := s.UnitPath()
	if err != nil {
		return ServiceResult{}, err
	}
	res := ServiceResult{Path: path}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return res, nil
	}
	// Stopped and disabled first, while systemd still knows the unit.
	done, why, manual := s.systemctl(ctx, [][]string{{"--user", "disable", "--now", UnitName}})
	if err := os.Remove(path); err != nil {
		return res, err
	}
	res.Changed = true
	if done {
		done, why, manual = s.systemctl(ctx, [][]string{{"--user", "daemon-reload"}})
	} else {
		manual = append(manual, "systemctl --user daemon-reload")
	}
	res.Done, res.Why, res.Manual = done, why, manual
	return res, nil
}

// systemctl runs each step in turn. On the first failure it stops and
// returns why, with that step and the rest as commands to run by hand.
func (s Service) systemctl(ctx context.Context, steps [][]string) (done bool, why string, manual []string) {
	bin := s.Systemctl
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("systemctl"); err != nil {
			bin = ""
			why = "systemctl was not found (this system does not use systemd)"
		}
	}
	for i, st := range steps {
		if bin != "" {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			out, err := exec.CommandContext(cctx, bin, st...).CombinedOutput()
			cancel()
			if err == nil {
				continue
			}
			why = fmt.Sprintf("systemctl %s failed: %s", strings.Join(st, " "), firstLine(string(out), err))
		}
		for _, rest := range steps[i:] {
			manual = append(manual, "systemctl "+strings.Join(rest, " "))
		}
		return false, why, manual
	}
	return true, "", nil
}

func firstLine(out string, err error) string {
	out = strings.TrimSpace(out)
	if out == "" {
		return err.Error()
	}
	l, _, _ := strings.Cut(out, "\n")
	return l
}
