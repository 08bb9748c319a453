package cli_test

import (
	"strings"
	"testing"
)

// Every command and subcommand answers --help and -h with its usage, its
// flags and an example on standard output, exit 0; the groups list their
// subcommands (issue 15, defect 16).
func TestEveryCommandHasHelp(t *testing.T) {
	dir := t.TempDir()
	commands := []struct {
		args  []string
		flags []string // some of its flags, which the help must list
		subs  []string // its subcommands, for a group
	}{
		{[]string{"presets"}, []string{"--json"}, nil},
		{[]string{"profile"}, nil, []string{"list", "show", "save", "delete", "default"}},
		{[]string{"profile", "list"}, []string{"--json"}, nil},
		{[]string{"profile", "show"}, []string{"--json"}, nil},
		{[]string{"profile", "save"}, []string{"--host", "--port", "--password-stdin", "--timeout"}, nil},
		{[]string{"profile", "delete"}, nil, nil},
		{[]string{"profile", "default"}, []string{"--none"}, nil},
		{[]string{"check"}, []string{"--json", "--timeout"}, nil},
		{[]string{"test"}, []string{"--to", "--no-queue", "--json"}, nil},
		{[]string{"queue"}, nil, []string{"list", "run", "retry", "delete"}},
		{[]string{"queue", "list"}, []string{"--json"}, nil},
		{[]string{"queue", "run"}, []string{"--json"}, nil},
		{[]string{"queue", "retry"}, []string{"--all"}, nil},
		{[]string{"queue", "delete"}, nil, nil},
		{[]string{"relay"}, []string{"--listen", "--profile"}, []string{"install", "credentials"}},
		{[]string{"relay", "install"}, []string{"--listen"}, nil},
		{[]string{"relay", "uninstall"}, nil, nil},
		{[]string{"relay", "credentials"}, []string{"--json"}, nil},
		{[]string{"detect"}, []string{"--dns-server", "--timeout"}, nil},
		{[]string{"oauth"}, nil, []string{"login", "logout", "status", "setup"}},
		{[]string{"oauth", "login"}, []string{"--device"}, nil},
		{[]string{"oauth", "logout"}, []string{"--json"}, nil},
		{[]string{"oauth", "status"}, []string{"--json"}, nil},
		{[]string{"oauth", "setup"}, []string{"--client-id", "--tenant"}, nil},
		{[]string{"export"}, []string{"--with-password"}, nil},
		{[]string{"sendmail"}, nil, nil},
	}
	for _, c := range commands {
		helps := []string{"--help", "-h"}
		if c.args[0] == "sendmail" {
			helps = []string{"--help"} // sendmail's -h is the hop count
		}
		for _, h := range helps {
			for _, lang := range []struct{ code, usage, example string }{{"en", "Usage:", "Example:"}, {"zh", "用法：", "示例："}} {
				args := append(append([]string{"--lang", lang.code}, c.args...), h)
				t.Run(strings.Join(args, " "), func(t *testing.T) {
					r := run(t, dir, "", nil, args...)
					if r.code != 0 || r.stderr != "" {
						t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
					}
					for _, want := range append([]string{lang.usage, lang.example, "smtpconf " + c.args[0], c.args[len(c.args)-1]}, c.flags...) {
						if !strings.Contains(r.stdout, want) {
							t.Errorf("the help does not show %q:\n%s", want, r.stdout)
						}
					}
					for _, s := range c.subs {
						if !strings.Contains(r.stdout, c.args[0]+" "+s) {
							t.Errorf("the help does not list the subcommand %q:\n%s", s, r.stdout)
						}
					}
				})
			}
		}
	}
}
