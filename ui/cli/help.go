package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/smtpconf/smtpconf/smtp/export"
	"github.com/smtpconf/smtpconf/smtp/l10n"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// Each command's own help (`smtpconf profile save --help`): its synopsis,
// what it does, its flags and one example, on standard output, exit 0.

// cmdHelp is one command of the help: the names it answers to (as its
// flag set is named: "profile save"), its synopsis (syntax, not
// translated), what it does (translated) and one example.
type cmdHelp struct {
	names                 []string
	syntax, what, example string
}

// commandHelps are the commands in the order the help lists them.
func commandHelps() []cmdHelp {
	return []cmdHelp{
		{nil, "smtpconf", i18n.L("open the window"), "smtpconf"},
		{[]string{"presets"}, "smtpconf presets [--json]", i18n.L("list provider presets"), "smtpconf presets --json"},
		{[]string{"profile list"}, "smtpconf profile list [--json]", i18n.L("list saved profiles"), "smtpconf profile list"},
		{[]string{"profile show"}, "smtpconf profile show NAME [--json]", i18n.L("show one profile (never the password)"), "smtpconf profile show work"},
		{[]string{"profile save"}, "smtpconf profile save NAME [--preset ID] [--host H] [--port N]\n" +
			"        [--security tls|starttls|none] [--auth auto|plain|login|cram-md5|xoauth2|none]\n" +
			"        [--username U] [--from ADDR] [--from-name NAME] [--password-stdin]\n" +
			"        [--ca-file PEM] [--insecure-skip-verify] [--helo NAME] [--timeout DURATION]\n" +
			"        [--from-policy keep|envelope|header]",
			i18n.L("create or update a profile; flags not given keep their value"),
			`printf '%s\n' "$PASS" | smtpconf profile save work --preset gmail --from you@gmail.com --password-stdin`},
		{[]string{"profile delete"}, "smtpconf profile delete NAME", i18n.L("delete a profile and its keyring entry"), "smtpconf profile delete work"},
		{[]string{"profile default"}, "smtpconf profile default [NAME] [--none]", i18n.L("show or set the profile the relay and sendmail use when none is named"), "smtpconf profile default work"},
		{[]string{"check"}, "smtpconf check NAME [--json]", i18n.L("connect, TLS, EHLO, AUTH; sends nothing"), "smtpconf check work"},
		{[]string{"test"}, "smtpconf test NAME [--to ADDR] [--no-queue] [--json]",
			i18n.L("send a test message; on a temporary failure it waits in the outbox"), "smtpconf test work --to you@example.com"},
		{[]string{"queue list"}, "smtpconf queue list [--json]", i18n.L("list the outbox (waiting, sent, failed)"), "smtpconf queue list"},
		{[]string{"queue run"}, "smtpconf queue run [--json]", i18n.L("try every due message now, then exit"), "smtpconf queue run"},
		{[]string{"queue retry"}, "smtpconf queue retry ID|--all", i18n.L("make deferred or failed messages due now"), "smtpconf queue retry --all"},
		{[]string{"queue delete"}, "smtpconf queue delete ID", i18n.L("remove a message from the outbox"), "smtpconf queue delete 3f2a"},
		{[]string{"relay"}, "smtpconf relay [--profile NAME] [--listen ADDR]\n" +
			"        [--require-auth] [--starttls] [--max-size BYTES] [--max-recipients N]",
			i18n.L("an SMTP server for programs on this computer: queues each message safely, then delivers it"), "smtpconf relay --profile work"},
		{[]string{"relay install", "relay uninstall"}, "smtpconf relay install|uninstall [FLAGS]", i18n.L("run the relay as a systemd user service, or stop doing so"), "smtpconf relay install --profile work"},
		{[]string{"relay credentials"}, "smtpconf relay credentials [--json]", i18n.L("show the user name and password programs log in to the relay with"), "smtpconf relay credentials"},
		{[]string{"sendmail"}, "smtpconf sendmail [-t] [-i] [-f ADDR] [-F NAME]\n" +
			"        [--profile NAME] [RCPT...]", i18n.L("queue the message on standard input and try it at once, like /usr/sbin/sendmail"),
			"printf 'Subject: hi\\n\\nhello\\n' | smtpconf sendmail you@example.com"},
		{[]string{"detect"}, "smtpconf detect EMAIL [--json] [--dns-server HOST:PORT] [--timeout DURATION]",
			i18n.L("find the server settings for an email address"), "smtpconf detect you@example.com"},
		{[]string{"oauth login"}, "smtpconf oauth login NAME [--device]", i18n.L("sign in with Google or Microsoft (OAuth2) in the browser, or with a code on another device"), "smtpconf oauth login work"},
		{[]string{"oauth logout"}, "smtpconf oauth logout NAME", i18n.L("sign out: remove the profile's sign-in tokens"), "smtpconf oauth logout work"},
		{[]string{"oauth status"}, "smtpconf oauth status NAME [--json]", i18n.L("show whether the profile is signed in, and as whom"), "smtpconf oauth status work"},
		{[]string{"oauth setup"}, "smtpconf oauth setup google|microsoft [--client-id ID]\n" +
			"        [--client-secret-stdin] [--tenant T]", i18n.L("set or show the app's client ID for signing in"), "smtpconf oauth setup microsoft --client-id ID"},
		{[]string{"export"}, "smtpconf export FORMAT NAME [--with-password]\n" +
			"        FORMAT: " + strings.Join(export.IDs(), ", "),
			i18n.L("print the profile's settings for another program (never the password unless --with-password)"), "smtpconf export msmtprc work"},
	}
}

// helpError asks for help instead of a run: exit prints text on standard
// output and exits 0. It is flag.ErrHelp to errors.Is.
type helpError struct{ text string }

func (helpError) Error() string        { return flag.ErrHelp.Error() }
func (helpError) Is(target error) bool { return target == flag.ErrHelp }

// isHelpWord is a word that asks a command group for its help.
func isHelpWord(s string) bool {
	return s == "-h" || s == "--help" || s == "-help" || s == "help"
}

// helpFor is the help of the command name with the flag set fs (nil: a
// group without flags of its own): synopsis, what it does, flags, its
// subcommands if it has some, and an example.
func helpFor(name string, fs *flag.FlagSet) string {
	var b strings.Builder
	var own *cmdHelp
	var subs []cmdHelp
	for _, c := range commandHelps() {
		for _, n := range c.names {
			switch {
			case n == name && own == nil:
				c := c
				own = &c
			case strings.HasPrefix(n, name+" ") && (len(subs) == 0 || subs[len(subs)-1].syntax != c.syntax):
				subs = append(subs, c)
			}
		}
	}
	b.WriteString(i18n.L("Usage:") + "\n")
	if own != nil {
		for _, l := range strings.Split(own.syntax, "\n") {
			b.WriteString("  " + l + "\n")
		}
		b.WriteString("\n")
		for _, l := range wrap(sentenceCase(own.what), 78) {
			b.WriteString(l + "\n")
		}
	} else {
		b.WriteString("  smtpconf " + name + " SUBCOMMAND …\n")
	}
	if fs != nil {
		var rows [][]string
		fs.VisitAll(func(f *flag.Flag) {
			arg, usage := flag.UnquoteUsage(f)
			syntax := "  --" + f.Name
			if arg != "" {
				syntax += " " + strings.ToUpper(arg)
			}
			rows = append(rows, []string{syntax, usage})
		})
		if len(rows) > 0 {
			b.WriteString("\n" + i18n.L("Flags:") + "\n")
			_ = table(&b, 2, rows)
		}
	}
	if len(subs) > 0 {
		b.WriteString("\n" + i18n.L("Subcommands:") + "\n")
		var rows [][]string
		for _, s := range subs {
			lines := strings.Split(s.syntax, "\n")
			rows = append(rows, []string{"  " + strings.TrimPrefix(lines[0], "smtpconf "), s.what})
		}
		_ = table(&b, 2, rows)
		b.WriteString(i18n.L("Run '{{.Command}} --help' to see a subcommand's flags.", M{"Command": "smtpconf " + name + " SUBCOMMAND"}) + "\n")
	}
	example := ""
	if own != nil {
		example = own.example
	} else if len(subs) > 0 {
		example = subs[0].example
	}
	if example != "" {
		b.WriteString("\n" + i18n.L("Example:") + "\n  " + example + "\n")
	}
	return b.String()
}

// sentenceCase makes one of the help's command descriptions (clauses) a
// sentence: a capital letter, and a full stop that suits its script.
func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	s = strings.ToUpper(string(r[0])) + string(r[1:])
	if l10n.HasHan(s) {
		return s + "。"
	}
	return s + "."
}

// groupHelp answers `smtpconf oauth --help`: the group's subcommands.
func groupHelp(c commands) error {
	return helpError{helpFor(c.name, nil)}
}

// printHelp prints err's help if it asks for some.
func (r *runner) printHelp(err error) bool {
	var he helpError
	if !errors.As(err, &he) {
		return false
	}
	fmt.Fprint(r.env.Stdout, he.text)
	return true
}
