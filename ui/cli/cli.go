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
}

// SplitGlobal removes the global flags (--config-dir) from args and returns
// the config directory flag value and the remaining arguments. main uses it
// to decide between the window (no subcommand) and the command line.
func SplitGlobal(args []string) (configDir string, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--config-dir" || a == "-config-dir":
			if i+1 >= len(args) {
				return "", nil, usagef("--config-dir needs a directory")
			}
			configDir = args[i+1]
			i++
		case strings.HasPrefix(a, "--config-dir=") || strings.HasPrefix(a, "-config-dir="):
			configDir = a[strings.IndexByte(a, '=')+1:]
		default:
			rest = append(rest, a)
		}
	}
	return configDir, rest, nil
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
	configDir, rest, err := SplitGlobal(args)
	r := &runner{env: env, configDir: configDir}
	if err == nil {
		err = r.dispatch(rest)
	}
	return r.exit(err)
}

func (r *runner) exit(err error) int {
	if err == nil {
		return smtp.ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return smtp.ExitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(r.env.Stderr, "smtpconf: %s\nRun 'smtpconf help' for usage.\n", ue.msg)
		return smtp.ExitUsage
	}
	// The diagnosis is the one place that puts errors into words; the
	// message above already says what is invalid, so that hint adds nothing.
	d := smtp.Diagnose(err, smtp.Profile{})
	fmt.Fprintf(r.env.Stderr, "smtpconf: %s\n", err)
	if d.Hint != "" && d.Kind != "invalid-settings" {
		fmt.Fprintf(r.env.Stderr, "Hint: %s\n", d.Hint)
	}
	if d.Exit == 0 {
		return smtp.ExitInternal
	}
	return d.Exit
}

func (r *runner) dispatch(args []string) error {
	if len(args) == 0 {
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "--help", "-help":
		fmt.Fprint(r.env.Stdout, usageText)
		return nil
	case "version", "--version":
		fmt.Fprintf(r.env.Stdout, "smtpconf %s\n", smtp.Version)
		return nil
	case "presets":
		return r.presets(rest)
	case "profile", "profiles":
		if len(rest) == 0 {
			return usagef("profile needs a subcommand: list, show, save or delete")
		}
		switch rest[0] {
		case "list", "ls":
			return r.profileList(rest[1:])
		case "show":
			return r.profileShow(rest[1:])
		case "save":
			return r.profileSave(rest[1:])
		case "delete", "rm":
			return r.profileDelete(rest[1:])
		}
		return usagef("unknown profile subcommand %q (use list, show, save or delete)", rest[0])
	case "check":
		return r.check(rest)
	case "test":
		return r.test(rest)
	case "queue":
		return r.queue(rest)
	case "detect":
		return r.detect(rest)
	}
	return usagef("unknown command %q", cmd)
}

// parse parses flags that may come before, between or after positional
// arguments (`profile show NAME --json`), which package flag alone does not.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%s: %v", fs.Name(), err)
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

func (r *runner) store() (*smtp.Store, error) {
	dir := r.configDir
	if dir == "" {
		dir = r.env.Getenv("SMTPCONF_CONFIG_DIR")
	}
	d, err := smtp.ConfigDir(dir)
	if err != nil {
		return nil, err
	}
	return smtp.NewStore(d), nil
}

func (r *runner) secrets() smtp.SecretStore {
	if r.env.Secrets != nil {
		return r.env.Secrets
	}
	return smtp.Keyring{}
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
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("--password-stdin read an empty line: pipe the password in, e.g. printf '%%s\\n' \"$PASS\" | smtpconf profile save NAME --password-stdin")
	}
	return line, nil
}

const usageText = `SMTP Configurator: set up a machine to send mail, and prove that it works.

Usage:
  smtpconf                                  open the window
  smtpconf presets [--json]                 list provider presets
  smtpconf profile list [--json]            list saved profiles
  smtpconf profile show NAME [--json]       show one profile (never the password)
  smtpconf profile save NAME [--preset ID] [--host H] [--port N]
          [--security tls|starttls|none] [--auth auto|plain|login|cram-md5|xoauth2|none]
          [--username U] [--from ADDR] [--from-name NAME] [--password-stdin]
          [--ca-file PEM] [--insecure-skip-verify] [--helo NAME] [--timeout DURATION]
                                            create or update a profile
  smtpconf profile delete NAME              delete a profile and its keyring entry
  smtpconf check NAME [--json]              connect, TLS, EHLO, AUTH; sends nothing
  smtpconf test NAME [--to ADDR] [--no-queue] [--json]
                                            send a test message; on a temporary
                                            failure it waits in the outbox
  smtpconf queue list [--json]              list the outbox (waiting, sent, failed)
  smtpconf queue run [--json]               try every due message now, then exit
  smtpconf queue retry ID|--all             make deferred or failed messages due now
  smtpconf queue delete ID                  remove a message from the outbox
  smtpconf detect EMAIL [--json] [--dns-server HOST:PORT] [--timeout DURATION]

Global flags:
  --config-dir DIR    where profiles and the outbox live (default:
                      $SMTPCONF_CONFIG_DIR, else your user config directory/smtpconf)

Passwords are kept in the OS keyring (service "smtpconf"); the command line
takes one only from standard input, with --password-stdin.

Exit codes: 0 ok, 1 internal error, 2 bad usage or input, 3 could not connect,
4 TLS failed, 5 authentication failed, 6 rejected by the server,
7 temporary failure.
`
