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
	"github.com/smtpconf/smtpconf/ui/i18n"
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
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageL("{{.Command}} needs exactly one profile name.", M{"Command": "check"})
	}
	opts, err := r.prepare(pos[0], xf)
	if err != nil {
		return r.setupFailure(opts.Profile, err, *xf.asJSON)
	}
	ctx, cancel := signalContext()
	defer cancel()
	if !*xf.asJSON {
		fmt.Fprintln(r.env.Stdout, i18n.L("Checking {{.Server}} ({{.Security}})…", M{"Server": opts.Profile.Addr(), "Security": smtp.SecurityName(opts.Profile.Security, smtp.Inline)}))
	}
	rep := smtp.Check(ctx, opts)
	reportHint(&rep.Report)
	r.warn(rep.Warnings)
	if *xf.asJSON {
		if err := r.printJSON(rep); err != nil {
			return err
		}
	} else {
		if rep.OK {
			fmt.Fprintln(r.env.Stdout, i18n.L("Connection works: {{.Reply}} ({{.Ms}} ms).", M{"Reply": rep.Message, "Ms": rep.DurationMS}))
			if rep.TLSVersion != "" {
				fmt.Fprintln(r.env.Stdout, i18n.L("TLS: {{.Version}}, {{.Cipher}}; certificate {{.Subject}}, issued by {{.Issuer}}, valid until {{.NotAfter}}.",
					M{"Version": rep.TLSVersion, "Cipher": rep.TLSCipher, "Subject": rep.CertSubject, "Issuer": rep.CertIssuer, "NotAfter": rep.CertNotAfter}))
			}
			fmt.Fprintln(r.env.Stdout, i18n.L("Server capabilities: {{.List}}", M{"List": strings.Join(rep.Capabilities, ", ")}))
			if *xf.verbose {
				r.printTranscript(rep.Transcript)
			}
		} else {
			r.printFailure(rep.Report)
		}
	}
	if !rep.OK {
		return exitError{reportExit(rep.Report)}
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
		return usageL("{{.Command}} needs exactly one profile name.", M{"Command": "test"})
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
		fmt.Fprintln(r.env.Stdout, i18n.L("Sending a test message through {{.Server}} ({{.Security}})…", M{"Server": opts.Profile.Addr(), "Security": smtp.SecurityName(opts.Profile.Security, smtp.Inline)}))
	}
	// The core sends, and queues a temporary failure unless --no-queue.
	a, err := r.core()
	if err != nil {
		return err
	}
	res := a.Test(ctx, opts, rcpts, *noQueue)
	rep := res.Report
	reportHint(&rep)
	queued := r.queuedWords(res)
	r.warn(rep.Warnings)
	if *xf.asJSON {
		if err := r.printJSON(rep); err != nil {
			return err
		}
	} else if rep.OK {
		fmt.Fprintln(r.env.Stdout, i18n.L("Test message delivered to {{.To}}: {{.Reply}} ({{.Ms}} ms).", M{"To": strings.Join(rep.To, ", "), "Reply": rep.Message, "Ms": rep.DurationMS}))
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
