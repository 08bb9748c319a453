package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// exchangeFlags are the flags shared by check and test.
type exchangeFlags struct {
	asJSON  *bool
	timeout *string
	verbose *bool
}

func addExchangeFlags(fs *flag.FlagSet) exchangeFlags {
	return exchangeFlags{
		asJSON:  jsonFlag(fs),
		timeout: fs.String("timeout", "", i18n.L("override the profile's timeout for this run, e.g. 10s")),
		verbose: fs.Bool("v", false, i18n.L("print the SMTP transcript even on success")),
	}
}

// prepare loads the profile and builds the options, then, for people,
// says what is about to happen (announce: a sentence key that takes the
// server and its security). A failure here is a setup failure: exit 2,
// and with --json still one object.
func (r *runner) prepare(name string, xf exchangeFlags, announce string) (smtp.Options, error) {
	a, err := r.core()
	if err != nil {
		return smtp.Options{}, err
	}
	p, err := getProfile(a.Store(), name)
	if err != nil {
		return smtp.Options{Profile: smtp.Profile{Name: name}}, err
	}
	if *xf.timeout != "" {
		d, err := time.ParseDuration(*xf.timeout)
		if err != nil || d < smtp.MinTimeout || d > smtp.MaxTimeout {
			return smtp.Options{Profile: p}, usageL("--timeout {{.Value}}: use a duration from {{.Min}} to {{.Max}}, such as 30s.",
				M{"Value": fmt.Sprintf("%q", *xf.timeout), "Min": smtp.MinTimeout.String(), "Max": smtp.MaxTimeout.String()})
		}
		p.Timeout = smtp.Duration(d)
	}
	// The password, read only when the profile authenticates, and only
	// once; for xoauth2, a fresh access token from the sign-in (smtpconf
	// oauth login): the same options as the outbox's deliveries.
	opts := a.SendOptions(p)
	if !*xf.asJSON {
		opts.Progress = r.printProgress
		fmt.Fprintln(r.env.Stdout, i18n.L(announce, M{"Server": p.Addr(), "Security": smtp.SecurityName(p.Security, smtp.Inline)}))
	}
	return opts, nil
}

func (r *runner) printProgress(e smtp.Event) {
	mark := ""
	switch e.Status {
	case smtp.StatusOK:
		mark = i18n.L("ok")
	case smtp.StatusFailed:
		mark = i18n.L("FAIL")
	case smtp.StatusSkipped:
		mark = "--"
	default:
		return
	}
	if e.Stage == smtp.StageSetup && e.Status == smtp.StatusOK || e.Stage == smtp.StageDone {
		return
	}
	marks := []string{i18n.L("ok"), i18n.L("FAIL"), "--"}
	markW, stageW := 0, 0
	for _, m := range marks {
		markW = max(markW, textWidth(m))
	}
	for _, s := range []smtp.Stage{smtp.StageSetup, smtp.StageConnect, smtp.StageTLS, smtp.StageEHLO, smtp.StageAuth, smtp.StageMail, smtp.StageRcpt, smtp.StageData} {
		stageW = max(stageW, textWidth(smtp.StageName(s, smtp.Title)))
	}
	fmt.Fprintf(r.env.Stdout, "  [%s] %s %s\n", pad(mark, markW), pad(smtp.StageName(e.Stage, smtp.Title), stageW), e.Detail)
}

// setupFailure reports a failure before any connection, as the contract asks.
func (r *runner) setupFailure(p smtp.Profile, err error, asJSON bool) error {
	rep := smtp.FailedReport(p, err)
	reportHint(&rep)
	if asJSON {
		if perr := r.printJSON(rep); perr != nil {
			return perr
		}
	} else {
		fmt.Fprintf(r.env.Stderr, "smtpconf: %s\n", errorText(err))
		if rep.Hint != "" && rep.Kind != smtp.KindInvalidSettings {
			fmt.Fprintln(r.env.Stderr, i18n.L("Hint: {{.Hint}}", M{"Hint": rep.Hint}))
		}
	}
	return exitError{reportExit(rep)}
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func (r *runner) check(args []string) error {
	fs := newFlags("check")
	xf := addExchangeFlags(fs)
	pos, err := parseArgs(fs, args, oneProfile)
	if err != nil {
		return err
	}
	opts, err := r.prepare(pos[0], xf, "Checking {{.Server}} ({{.Security}})…")
	if err != nil {
		return r.setupFailure(opts.Profile, err, *xf.asJSON)
	}
	ctx, cancel := signalContext()
	defer cancel()
	rep := smtp.Check(ctx, opts)
	reportHint(&rep.Report)
	return r.outcome(xf, rep.Report, rep, "", func() {
		fmt.Fprintln(r.env.Stdout, i18n.L("Connection works: {{.Reply}} ({{.Ms}} ms).", M{"Reply": rep.Message, "Ms": rep.DurationMS}))
		if rep.TLSVersion != "" {
			fmt.Fprintln(r.env.Stdout, i18n.L("TLS: {{.Version}}, {{.Cipher}}; certificate {{.Subject}}, issued by {{.Issuer}}, valid until {{.NotAfter}}.",
				M{"Version": rep.TLSVersion, "Cipher": rep.TLSCipher, "Subject": rep.CertSubject, "Issuer": rep.CertIssuer, "NotAfter": rep.CertNotAfter}))
		}
		fmt.Fprintln(r.env.Stdout, i18n.L("Server capabilities: {{.List}}", M{"List": strings.Join(rep.Capabilities, ", ")}))
	})
}

func (r *runner) test(args []string) error {
	fs := newFlags("test")
	xf := addExchangeFlags(fs)
	to := fs.String("to", "", i18n.L("recipient (default: the profile's From address); several separated by commas"))
	noQueue := fs.Bool("no-queue", false, i18n.L("do not put a temporary failure in the outbox"))
	pos, err := parseArgs(fs, args, oneProfile)
	if err != nil {
		return err
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
	opts, err := r.prepare(pos[0], xf, "Sending a test message through {{.Server}} ({{.Security}})…")
	if err != nil {
		return r.setupFailure(opts.Profile, err, *xf.asJSON)
	}
	ctx, cancel := signalContext()
	defer cancel()
	// The core sends, and queues a temporary failure unless --no-queue.
	a, err := r.core()
	if err != nil {
		return err
	}
	res := a.Test(ctx, opts, rcpts, *noQueue)
	rep := res.Report
	reportHint(&rep)
	return r.outcome(xf, rep, rep, r.queuedWords(res), func() {
		fmt.Fprintln(r.env.Stdout, i18n.L("Test message delivered to {{.To}}: {{.Reply}} ({{.Ms}} ms).", M{"To": strings.Join(rep.To, ", "), "Reply": rep.Message, "Ms": rep.DurationMS}))
	})
}

// outcome prints the report of a check or a test and is the command's
// result. With --json it prints v (the report and what the command adds);
// otherwise a success's lines (ok, then with -v the transcript), or what
// failed followed by more (where the message waits), if any. A failure
// exits with its code.
func (r *runner) outcome(xf exchangeFlags, rep smtp.Report, v any, more string, ok func()) error {
	r.warn(rep.Warnings)
	switch {
	case *xf.asJSON:
		if err := r.printJSON(v); err != nil {
			return err
		}
	case rep.OK:
		ok()
		if *xf.verbose {
			r.printTranscript(rep.Transcript)
		}
	default:
		r.printFailure(rep)
		if more != "" {
			fmt.Fprintln(r.env.Stdout, more)
		}
	}
	if !rep.OK {
		return exitError{reportExit(rep)}
	}
	return nil
}

func (r *runner) warn(ws []string) {
	for _, w := range ws {
		fmt.Fprintln(r.env.Stderr, i18n.L("Warning: {{.Warning}}", M{"Warning": w}))
	}
}

func (r *runner) printFailure(rep smtp.Report) {
	fmt.Fprintln(r.env.Stdout, i18n.L("Failed at the stage {{.Stage}}: {{.Message}}", M{"Stage": smtp.StageName(rep.Stage, smtp.Title), "Message": rep.Message}))
	if rep.Hint != "" {
		fmt.Fprintln(r.env.Stdout, i18n.L("Hint: {{.Hint}}", M{"Hint": rep.Hint}))
	}
	if rep.Temporary {
		fmt.Fprintln(r.env.Stdout, i18n.L("This failure is temporary: trying again later may work."))
	}
	r.printTranscript(rep.Transcript)
}

func (r *runner) printTranscript(lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(r.env.Stdout, i18n.L("Transcript (secrets removed):"))
	for _, l := range lines {
		fmt.Fprintf(r.env.Stdout, "  %s\n", l)
	}
}
