package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

// exchangeFlags are the flags shared by check and test.
type exchangeFlags struct {
	asJSON  *bool
	timeout *string
	verbose *bool
}

func addExchangeFlags(fs interface {
	Bool(string, bool, string) *bool
	String(string, string, string) *string
}) exchangeFlags {
	return exchangeFlags{
		asJSON:  fs.Bool("json", false, "print one JSON object"),
		timeout: fs.String("timeout", "", "override the profile's timeout for this run, e.g. 10s"),
		verbose: fs.Bool("v", false, "print the SMTP transcript even on success"),
	}
}

// prepare loads the profile and builds the options. A failure here is a
// setup failure: exit 2, and with --json still one object.
func (r *runner) prepare(name string, xf exchangeFlags) (smtp.Options, error) {
	st, err := r.store()
	if err != nil {
		return smtp.Options{}, err
	}
	p, err := st.Get(name)
	if err != nil {
		return smtp.Options{Profile: smtp.Profile{Name: name}}, err
	}
	if *xf.timeout != "" {
		d, err := time.ParseDuration(*xf.timeout)
		if err != nil || d < smtp.MinTimeout || d > smtp.MaxTimeout {
			return smtp.Options{Profile: p}, usagef("--timeout %q: use a duration from %s to %s, such as 30s", *xf.timeout, smtp.MinTimeout, smtp.MaxTimeout)
		}
		p.Timeout = smtp.Duration(d)
	}
	secrets := r.secrets()
	opts := smtp.Options{
		Profile: p,
		// Read only when the profile authenticates, and only once.
		Secret: func() (string, error) { return secrets.Get(p.Name) },
	}
	if !*xf.asJSON {
		opts.Progress = r.printProgress
	}
	return opts, nil
}

func (r *runner) printProgress(e smtp.Event) {
	mark := ""
	switch e.Status {
	case smtp.StatusOK:
		mark = "ok  "
	case smtp.StatusFailed:
		mark = "FAIL"
	case smtp.StatusSkipped:
		mark = "--  "
	default:
		return
	}
	if e.Stage == smtp.StageSetup && e.Status == smtp.StatusOK || e.Stage == smtp.StageDone {
		return
	}
	fmt.Fprintf(r.env.Stdout, "  [%s] %-8s %s\n", mark, e.Stage, e.Detail)
}

// setupFailure reports a failure before any connection, as the contract asks.
func (r *runner) setupFailure(p smtp.Profile, err error, asJSON bool) error {
	rep := smtp.FailedReport(p, err)
	if asJSON {
		if perr := r.printJSON(rep); perr != nil {
			return perr
		}
	} else {
		fmt.Fprintf(r.env.Stderr, "smtpconf: %s\n", rep.Message)
		if rep.Hint != "" {
			fmt.Fprintf(r.env.Stderr, "Hint: %s\n", rep.Hint)
		}
	}
	return exitError{rep.Exit}
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func (r *runner) check(args []string) error {
	fs := newFlags("check")
	xf := addExchangeFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("check needs exactly one profile name")
	}
	opts, err := r.prepare(pos[0], xf)
	if err != nil {
		return r.setupFailure(opts.Profile, err, *xf.asJSON)
	}
	ctx, cancel := signalContext()
	defer cancel()
	if !*xf.asJSON {
		fmt.Fprintf(r.env.Stdout, "Checking %s (%s) ...\n", opts.Profile.Addr(), opts.Profile.Security)
	}
	rep := smtp.Check(ctx, opts)
	r.warn(rep.Warnings)
	if *xf.asJSON {
		if err := r.printJSON(rep); err != nil {
			return err
		}
	} else {
		if rep.OK {
			fmt.Fprintf(r.env.Stdout, "Connection works: %s (%d ms).\n", rep.Message, rep.DurationMS)
			if rep.TLSVersion != "" {
				fmt.Fprintf(r.env.Stdout, "TLS: %s, %s; certificate %s, issued by %s, valid until %s.\n",
					rep.TLSVersion, rep.TLSCipher, rep.CertSubject, rep.CertIssuer, rep.CertNotAfter)
			}
			fmt.Fprintf(r.env.Stdout, "Server capabilities: %s\n", strings.Join(rep.Capabilities, ", "))
			if *xf.verbose {
				r.printTranscript(rep.Transcript)
			}
		} else {
			r.printFailure(rep.Report)
		}
	}
	if !rep.OK {
		return exitError{rep.Exit}
	}
	return nil
}

func (r *runner) test(args []string) error {
	fs := newFlags("test")
	xf := addExchangeFlags(fs)
	to := fs.String("to", "", "recipient (default: the profile's From address); several separated by commas")
	noQueue := fs.Bool("no-queue", false, "do not put a temporary failure in the outbox")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("test needs exactly one profile name")
	}
	var rcpts []string
	for _, a := range strings.Split(*to, ",") {
		if a = strings.TrimSpace(a); a != "" {
			if err := smtp.ValidateAddress(a); err != nil {
				return r.setupFailure(smtp.Profile{Name: pos[0]}, err, *xf.asJSON)
			}
			rcpts = append(rcpts, a)
		}
	}
	opts, err := r.prepare(pos[0], xf)
	if err != nil {
		return r.setupFailure(opts.Profile, err, *xf.asJSON)
	}
	ctx, cancel := signalContext()
	defer cancel()
	if !*xf.asJSON {
		fmt.Fprintf(r.env.Stdout, "Sending a test message through %s (%s) ...\n", opts.Profile.Addr(), opts.Profile.Security)
	}
	rep, msg := smtp.Test(ctx, opts, rcpts)
	queued := ""
	if !*noQueue {
		queued = r.queueTest(opts.Profile, &rep, msg)
	}
	r.warn(rep.Warnings)
	if *xf.asJSON {
		if err := r.printJSON(rep); err != nil {
			return err
		}
	} else if rep.OK {
		fmt.Fprintf(r.env.Stdout, "Test message delivered to %s: %s (%d ms).\n", strings.Join(rep.To, ", "), rep.Message, rep.DurationMS)
		if *xf.verbose {
			r.printTranscript(rep.Transcript)
		}
	} else {
		r.printFailure(rep)
		if queued != "" {
			fmt.Fprintln(r.env.Stdout, queued)
		}
	}
	if !rep.OK {
		return exitError{rep.Exit}
	}
	return nil
}

func (r *runner) warn(ws []string) {
	for _, w := range ws {
		fmt.Fprintf(r.env.Stderr, "Warning: %s\n", w)
	}
}

func (r *runner) printFailure(rep smtp.Report) {
	fmt.Fprintf(r.env.Stdout, "Failed at stage %q: %s\n", rep.Stage, rep.Message)
	if rep.Hint != "" {
		fmt.Fprintf(r.env.Stdout, "Hint: %s\n", rep.Hint)
	}
	if rep.Temporary {
		fmt.Fprintln(r.env.Stdout, "This failure is temporary: trying again later may work.")
	}
	r.printTranscript(rep.Transcript)
}

func (r *runner) printTranscript(lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(r.env.Stdout, "Transcript (secrets removed):")
	for _, l := range lines {
		fmt.Fprintf(r.env.Stdout, "  %s\n", l)
	}
}
