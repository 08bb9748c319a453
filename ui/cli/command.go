package cli

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/app"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// What every command does first: parse its flags and arguments, and load
// what they name.

// takes is what a command takes besides its flags.
type takes int

const (
	noArgs     takes = iota
	oneProfile       // a profile name
	oneMessage       // an outbox message id
	oneAddress       // an email address
)

// needsOne says what a command that takes one argument is missing.
var needsOne = map[takes]string{
	oneProfile: "{{.Command}} needs exactly one profile name.",
	oneMessage: "{{.Command}} needs exactly one message id.",
	oneAddress: "{{.Command}} needs exactly one email address.",
}

// parseArgs parses a command's flags, wherever they stand among its
// arguments, and checks that the positional arguments are what it takes.
// Commands whose arguments are more varied use parse and check them.
func parseArgs(fs *flag.FlagSet, args []string, t takes) ([]string, error) {
	pos, err := parse(fs, args)
	switch {
	case err != nil:
		return nil, err
	case t == noArgs && len(pos) > 0:
		return nil, usageL("{{.Command}} takes no arguments.", M{"Command": fs.Name()})
	case t != noArgs && len(pos) != 1:
		return nil, usageL(needsOne[t], M{"Command": fs.Name()})
	}
	return pos, nil
}

// jsonFlag is --json, of the commands that print JSON for programs.
func jsonFlag(fs *flag.FlagSet) *bool { return fs.Bool("json", false, i18n.L("print JSON")) }

// profile is the run's wiring and the profile named on the command line,
// with "no such profile" in the person's language.
func (r *runner) profile(name string) (*app.App, smtp.Profile, error) {
	a, err := r.core()
	if err != nil {
		return nil, smtp.Profile{}, err
	}
	p, err := getProfile(a.Store(), name)
	return a, p, err
}

// jsonFlags is the flag set of a command whose one flag is --json.
func jsonFlags(name string) (*flag.FlagSet, *bool) {
	fs := newFlags(name)
	return fs, jsonFlag(fs)
}

// jsonArgs parses the arguments of a command whose one flag is --json.
func jsonArgs(name string, args []string, t takes) (pos []string, asJSON bool, err error) {
	fs, j := jsonFlags(name)
	pos, err = parseArgs(fs, args, t)
	return pos, *j, err
}

// coreJSON is jsonArgs, then the run's wiring.
func (r *runner) coreJSON(name string, args []string, t takes) (pos []string, a *app.App, asJSON bool, err error) {
	if pos, asJSON, err = jsonArgs(name, args, t); err == nil {
		a, err = r.core()
	}
	return pos, a, asJSON, err
}

// subcommand is a word of a command line and what runs it; the first name
// is the one errors list.
type subcommand struct {
	names []string
	run   func(*runner, []string) error
}

// commands are the words a command line may start with, or a command's
// subcommands: needed and unknown are the group's sentences for a missing
// and an unknown word ({{.Choices}} lists the first names, {{.Name}} is
// the word given).
type commands struct {
	name            string // "oauth": the group's help names it
	subs            []subcommand
	needed, unknown string
}

// find is the subcommand named name.
func (c commands) find(name string) (func(*runner, []string) error, bool) {
	for _, s := range c.subs {
		if slices.Contains(s.names, name) {
			return s.run, true
		}
	}
	return nil, false
}

// choices lists the subcommands' first names.
func (c commands) choices() string {
	names := make([]string, len(c.subs))
	for i, s := range c.subs {
		names[i] = s.names[0]
	}
	return strings.Join(names, ", ")
}

// dispatchTo runs the subcommand args[0] names with the rest of args.
func (r *runner) dispatchTo(c commands, args []string) error {
	if len(args) == 0 {
		return usageL(c.needed, M{"Choices": c.choices()})
	}
	if run, ok := c.find(args[0]); ok {
		return run(r, args[1:])
	}
	if c.name != "" && isHelpWord(args[0]) {
		return groupHelp(c)
	}
	return c.noSuch(args[0])
}

// noSuch is the bad usage of naming a subcommand there is not.
func (c commands) noSuch(name string) error {
	return usageL(c.unknown, M{"Name": fmt.Sprintf("%q", name), "Choices": c.choices()})
}
