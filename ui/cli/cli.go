// Package cli is the command-line front end of SMTP Configurator. Like the
// window, it is a thin layer over package smtp: it parses arguments, calls
// the core and prints what came back, for people or (with --json) for programs.
package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/app"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// Env is what a command run needs from the outside world. Tests fill it
// with buffers; main fills it with the process's own streams.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Secrets is the secret store; nil means the OS keyring.
	Secrets smtp.SecretStore
}

// usageError is bad usage: it exits 2 after printing the usage hint.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exitError carries an exit code decided by a command (a diagnosis).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

type runner struct {
	env       Env
	configDir string
	// wiring is this run's core (store, secrets, sign-in, outbox), made on
	// first use by core; nil until then.
	wiring *app.App
	// asJSON: --json is on the command line, so a failure, whatever it is,
	// is one JSON object on standard output (see failJSON).
	asJSON bool
}

// Globals are the global flags, accepted anywhere on the command line.
type Globals struct {
	ConfigDir string // --config-dir
	Lang      string // --lang
	LangGiven bool   // --lang was given (even empty)
}

// SplitGlobal removes the global flags (--config-dir, --lang) from args and
// returns the config directory flag value and the remaining arguments.
func SplitGlobal(args []string) (configDir string, rest []string, err error) {
	g, rest, err := SplitGlobals(args)
	return g.ConfigDir, rest, err
}

// SplitGlobals removes the global flags (--config-dir, --lang) from args and
// returns their values and the remaining arguments. main uses it to decide
// between the window (no subcommand) and the command line.
func SplitGlobals(args []string) (g Globals, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--config-dir" || a == "-config-dir":
			if i+1 >= len(args) {
				return g, nil, usageL("--config-dir needs a directory.")
			}
			g.ConfigDir = args[i+1]
			i++
		case strings.HasPrefix(a, "--config-dir=") || strings.HasPrefix(a, "-config-dir="):
			g.ConfigDir = a[strings.IndexByte(a, '=')+1:]
		case a == "--lang" || a == "-lang":
			if i+1 >= len(args) {
				return g, nil, usageL("--lang needs a language: {{.Choices}}.", M{"Choices": languageChoices})
			}
			g.Lang, g.LangGiven = args[i+1], true
			i++
		case strings.HasPrefix(a, "--lang=") || strings.HasPrefix(a, "-lang="):
			g.Lang, g.LangGiven = a[strings.IndexByte(a, '=')+1:], true
		default:
			rest = append(rest, a)
		}
	}
	return g, rest, nil
}

// Run executes one command line (without the program name) and returns the
// process exit code.
func Run(args []string, env Env) int {
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	if env.Stdout == nil {
		env.Stdout = os.Stdout
	}
	if env.Stderr == nil {
		env.Stderr = os.Stderr
	}
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	g, rest, err := SplitGlobals(args)
	// The language first: every word from here on is in it.
	if lerr := useLanguage(g.Lang, g.LangGiven, env.Getenv, env.Stderr); lerr != nil && err == nil {
		err = lerr
	}
	r := &runner{env: env, configDir: g.ConfigDir}
	defer r.close()
	if err == nil {
		err = r.dispatch(rest)
	}
	return r.exit(err)
}

func (r *runner) exit(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if r.printHelp(err) || errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(r.env.Stderr, "smtpconf: %s\n%s\n", ue.msg, i18n.L("Run 'smtpconf help' for usage."))
		r.failJSON(err, ue.msg, i18n.L("Run 'smtpconf help' for usage."))
		return ExitUsage
	}
	// The diagnosis is the one place that puts errors into words; the
	// message above already says what is invalid, so that hint adds nothing.
	d := smtp.Diagnose(err, smtp.Profile{})
	r.failJSON(err, errorText(err), hintText(d.Hint, d.Remedy))
	fmt.Fprintf(r.env.Stderr, "smtpconf: %s\n", errorText(err))
	if d.Hint != "" && d.Kind != smtp.KindInvalidSettings {
		fmt.Fprintln(r.env.Stderr, i18n.L("Hint: {{.Hint}}", M{"Hint": hintText(d.Hint, d.Remedy)}))
	}
	return exitCode(d.Kind, d.Stage, d.Temporary)
}

// commandLine are the commands, by the first word of the command line.
var commandLine = commands{
	needed:  "No command given.",
	unknown: "There is no command {{.Name}}.",
	subs: []subcommand{
		{[]string{"help", "-h", "--help", "-help"}, (*runner).help},
		{[]string{"version", "--version"}, (*runner).version},
		{[]string{"presets"}, (*runner).presets},
		{[]string{"profile", "profiles"}, (*runner).profileCmd},
		{[]string{"check"}, (*runner).check},
		{[]string{"test"}, (*runner).test},
		{[]string{"queue"}, (*runner).queue},
		{[]string{"detect"}, (*runner).detect},
		{[]string{"oauth"}, (*runner).oauth},
		{[]string{"relay"}, (*runner).relay},
		{[]string{"sendmail"}, (*runner).sendmail},
		{[]string{"export"}, (*runner).exportCmd},
	},
}

func (r *runner) dispatch(args []string) error {
	r.asJSON = wantsJSON(args)
	return r.dispatchTo(commandLine, args)
}

// wantsJSON reports whether --json is among args' flags (before any "--").
func wantsJSON(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--json", "-json", "--json=true", "-json=true", "--json=1", "-json=1":
			return true
		}
	}
	return false
}

// failJSON prints, when --json was asked for, a failure the command did
// not report itself as the one JSON object the contract promises: ok
// false, stage "setup", the message and the hint.
func (r *runner) failJSON(err error, message, hint string) {
	if !r.asJSON {
		return
	}
	rep := smtp.FailedReport(smtp.Profile{}, err)
	rep.Message, rep.Hint = message, hint
	_ = r.printJSON(rep)
}

// help prints the usage; what follows "help" is not looked at.
func (r *runner) help([]string) error {
	fmt.Fprint(r.env.Stdout, usageText())
	return nil
}

func (r *runner) version([]string) error {
	fmt.Fprintf(r.env.Stdout, "smtpconf %s\n", smtp.VersionLine())
	return nil
}

// parse parses flags that may come before, between or after positional
// arguments (`profile show NAME --json`), which package flag alone does not.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpError{helpFor(fs.Name(), fs)}
			}
			return nil, flagError(fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet(name, flag.ContinueOnError)
}

// core is this run's wiring over the config directory (--config-dir, else
// $SMTPCONF_CONFIG_DIR, else the user's). Making it opens nothing: each
// command opens only the parts it uses.
func (r *runner) core() (*app.App, error) {
	if r.wiring != nil {
		return r.wiring, nil
	}
	dir := r.configDir
	if dir == "" {
		dir = r.env.Getenv("SMTPCONF_CONFIG_DIR")
	}
	d, err := smtp.ConfigDir(dir)
	if err != nil {
		return nil, err
	}
	for _, note := range smtp.SecureConfigDir(d) {
		fmt.Fprintln(r.env.Stderr, note)
	}
	r.wiring = app.New(app.Config{Dir: d, Keyring: r.env.Secrets, Getenv: r.env.Getenv})
	return r.wiring, nil
}

// close closes what the run opened (the outbox).
func (r *runner) close() {
	if r.wiring != nil {
		_ = r.wiring.Close()
	}
}

// store is the profile store of the run's wiring.
func (r *runner) store() (*smtp.Store, error) {
	a, err := r.core()
	if err != nil {
		return nil, err
	}
	return a.Store(), nil
}

func (r *runner) printJSON(v any) error {
	enc := json.NewEncoder(r.env.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// readPassword reads exactly one line from standard input.
func (r *runner) readPassword() (string, error) {
	br := bufio.NewReader(r.env.Stdin)
	line, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", &localError{i18n.L("The password could not be read from standard input: {{.Error}}", M{"Error": err.Error()}), err}
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usageL("--password-stdin read an empty line. Pipe the password in, for example: {{.Example}}",
			M{"Example": `printf '%s\n' "$PASS" | smtpconf profile save NAME --password-stdin`})
	}
	return line, nil
}

// usageText is the help, in the person's language. The command synopses
// are syntax and stay as they are; what they do is translated.
func usageText() string {
	type cmd struct{ syntax, what string }
	var cmds []cmd
	for _, c := range commandHelps() {
		cmds = append(cmds, cmd{c.syntax, c.what})
	}
	const col, lineWidth = 44, 80
	var b strings.Builder
	para := func(s string, indent int) {
		for _, l := range wrap(s, lineWidth-indent) {
			b.WriteString(strings.Repeat(" ", indent) + l + "\n")
		}
	}
	para(i18n.L("SMTP Configurator: set up a machine to send mail, and prove that it works."), 0)
	b.WriteString("\n" + i18n.L("Usage:") + "\n")
	// entry is one command or flag: its syntax, then what it does in a
	// column from col, beside the syntax's last line where that fits.
	entry := func(c cmd, col int) {
		lines := strings.Split(c.syntax, "\n")
		for _, l := range lines[:len(lines)-1] {
			b.WriteString("  " + l + "\n")
		}
		last := "  " + lines[len(lines)-1]
		what := wrap(c.what, lineWidth-col)
		if textWidth(last) < col-1 {
			b.WriteString(pad(last, col) + what[0] + "\n")
			what = what[1:]
		} else {
			b.WriteString(last + "\n")
		}
		for _, l := range what {
			b.WriteString(strings.Repeat(" ", col) + l + "\n")
		}
	}
	for _, c := range cmds {
		entry(c, col)
	}
	b.WriteString("\n" + i18n.L("Global flags:") + "\n")
	for _, f := range []cmd{
		{"--config-dir DIR", i18n.L("where profiles and the outbox live (default: $SMTPCONF_CONFIG_DIR, else your user config directory/smtpconf)")},
		{"--lang CODE", i18n.L("the language to speak: {{.Choices}} (default: $SMTPCONF_LANG, else the system's language from LC_ALL, LC_MESSAGES or LANG)", M{"Choices": languageChoices})},
	} {
		entry(f, 22)
	}
	b.WriteString("\n")
	para(i18n.L("Passwords are kept in the OS keyring (service \"smtpconf\"); the command line takes one only from standard input, with --password-stdin."), 0)
	b.WriteString("\n")
	para(i18n.L("Exit codes: 0 ok, 1 internal error, 2 bad usage or input, 3 could not connect, 4 TLS failed, 5 authentication failed, 6 rejected by the server, 7 temporary failure."), 0)
	para(i18n.L("sendmail exits as /usr/sbin/sendmail does: 0 queued (sent or not yet), 64 bad usage, 65 bad message, 75 could not queue."), 0)
	return b.String()
}
