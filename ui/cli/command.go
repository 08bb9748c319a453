package cli

import (
	"flag"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/app"
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
func jsonFlag(fs *flag.FlagSet) *bool { return fs.Bool("json", false, "print JSON") }

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
