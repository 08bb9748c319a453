package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/app"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// exitInterrupted is the exit code of a `queue run` stopped by a signal,
// as shells report a command ended by Ctrl-C.
const exitInterrupted = 130

// outbox is the run's wiring and its outbox, opened with the settings of
// its optional outbox.json. A failure is reported as every outbox command
// reports one (exit 2); a file that cannot be used is left alone. The
// wiring closes the outbox when the run ends.
func (r *runner) outbox() (*app.App, *queue.Outbox, error) {
	a, err := r.core()
	if err != nil {
		return nil, nil, r.queueError(err)
	}
	o, err := a.Outbox()
	if err != nil {
		return nil, nil, r.queueError(err)
	}
	return a, o, nil
}

// outboxJSON parses the arguments of an outbox command whose one flag is
// --json, then opens the outbox (see outbox).
func (r *runner) outboxJSON(name string, args []string) (a *app.App, o *queue.Outbox, asJSON bool, err error) {
	if _, asJSON, err = jsonArgs(name, args, noArgs); err == nil {
		a, o, err = r.outbox()
	}
	return a, o, asJSON, err
}

// resolve is the id of the one message that id (or its beginning) names,
// with a queue error if there is none or more than one.
func (r *runner) resolve(o *queue.Outbox, id string) (string, error) {
	full, err := o.Resolve(context.Background(), id)
	if err != nil {
		return "", r.queueError(messageError(err, id))
	}
	return full, nil
}

// messageError says what is wrong with the message id (or id prefix) in the
// person's language.
func messageError(err error, id string) error {
	d := M{"ID": fmt.Sprintf("%q", id)}
	switch {
	case errors.Is(err, queue.ErrNotFound):
		return &localError{i18n.L("There is no such message in the outbox: {{.ID}}.", d), err}
	case errors.Is(err, queue.ErrAmbiguous):
		return &localError{i18n.L("{{.ID}} matches several messages in the outbox; give more of the id.", d), err}
	case errors.Is(err, queue.ErrAlreadySent):
		return &localError{i18n.L("The message {{.ID}} was already sent; there is nothing to retry.", d), err}
	case errors.Is(err, queue.ErrBusy):
		return &localError{i18n.L("The message {{.ID}} is being sent right now; try again when that attempt is over.", d), err}
	}
	return err
}

// queueError reports a failure of an outbox command: exit 2, with the
// message and a hint on standard error.
func (r *runner) queueError(err error) error {
	fmt.Fprintf(r.env.Stderr, "smtpconf: %s\n", errorText(err))
	hint := errorHint(err)
	switch {
	case hint != "":
	case errors.Is(err, queue.ErrNotFound):
		hint = i18n.L("List the outbox with: {{.Command}}", M{"Command": "smtpconf queue list"})
	case errors.Is(err, queue.ErrSettings):
		hint = i18n.L("Fix or remove {{.File}} in the config directory; every setting has a default.", M{"File": queue.SettingsFile})
	}
	if hint != "" {
		fmt.Fprintln(r.env.Stderr, i18n.L("Hint: {{.Hint}}", M{"Hint": hint}))
	}
	r.failJSON(err, errorText(err), hint)
	return exitError{ExitUsage}
}

// queueCommands are the subcommands of `queue`.
var queueCommands = commands{
	name:    "queue",
	needed:  "queue needs a subcommand: {{.Choices}}.",
	unknown: "There is no queue subcommand {{.Name}}; use one of {{.Choices}}.",
	subs: []subcommand{
		{[]string{"list", "ls"}, (*runner).queueList},
		{[]string{"run"}, (*runner).queueRun},
		{[]string{"retry"}, (*runner).queueRetry},
		{[]string{"delete", "rm"}, (*runner).queueDelete},
	},
}

func (r *runner) queue(args []string) error { return r.dispatchTo(queueCommands, args) }

// listItem is one entry of `queue list --json`. The first ten fields are
// the contract.
type listItem struct {
	ID          string   `json:"id"`
	Profile     string   `json:"profile"`
	From        string   `json:"from"`
	To          []string `json:"to"`
	Subject     string   `json:"subject"`
	State       string   `json:"state"`
	Attempts    int      `json:"attempts"`
	NextAttempt string   `json:"next_attempt"`
	LastError   string   `json:"last_error"`
	Created     string   `json:"created"`

	MessageID   string `json:"message_id"`
	Stage       string `json:"stage"`
	Code        int    `json:"code"`
	Enhanced    string `json:"enhanced"`
	Hint        string `json:"hint"`
	Kind        string `json:"kind"`
	Size        int    `json:"size"`
	GiveUpAt    string `json:"give_up_at"`
	LastAttempt string `json:"last_attempt"`
	SentAt      string `json:"sent_at"`
	Reply       string `json:"reply"`
	LeaseOwner  string `json:"lease_owner"`
	LeaseUntil  string `json:"lease_until"`
	Origin      string `json:"origin"`
}

// rfc3339 is t in UTC, or "" for the zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func toListItem(e queue.Entry) listItem {
	to := e.To
	if to == nil {
		to = []string{}
	}
	return listItem{
		ID: e.ID, Profile: e.Profile, From: e.From, To: to, Subject: e.Subject, State: string(e.State),
		Attempts: e.Attempts, NextAttempt: rfc3339(e.NextAttempt), LastError: e.LastError, Created: rfc3339(e.Created),
		MessageID: e.MessageID, Stage: string(e.LastStage), Code: e.LastCode, Enhanced: e.LastEnhanced,
		Hint: hintText(e.LastHint, e.LastRemedy), Kind: e.LastKind, Size: e.Size, GiveUpAt: rfc3339(e.GiveUpAt),
		LastAttempt: rfc3339(e.LastAttempt), SentAt: rfc3339(e.SentAt), Reply: e.Reply,
		LeaseOwner: e.LeaseOwner, LeaseUntil: rfc3339(e.LeaseUntil), Origin: string(e.Origin),
	}
}

func (r *runner) queueList(args []string) error {
	_, o, asJSON, err := r.outboxJSON("queue list", args)
	if err != nil {
		return err
	}
	entries, err := o.List(context.Background())
	if err != nil {
		return r.queueError(err)
	}
	if asJSON {
		items := make([]listItem, 0, len(entries))
		for _, e := range entries {
			items = append(items, toListItem(e))
		}
		return r.printJSON(items)
	}
	if len(entries) == 0 {
		fmt.Fprintln(r.env.Stdout, i18n.L("The outbox is empty."))
		return nil
	}
	now := time.Now()
	rows := [][]string{{i18n.L("QUEUE ID"), i18n.L("STATE"), i18n.L("TRIES"), i18n.L("NEXT TRY"), i18n.L("PROFILE"), i18n.L("TO"), i18n.L("SUBJECT")}}
	var errs []queue.Entry
	for _, e := range entries {
		rows = append(rows, []string{e.ID, e.State.Name(), fmt.Sprint(e.Attempts), nextWords(e, now),
			e.Profile, truncate(strings.Join(e.To, ", "), 40), truncate(e.Subject, 50)})
		if e.LastError != "" && e.State != queue.Sent {
			errs = append(errs, e)
		}
	}
	table(r.env.Stdout, 2, rows)
	if len(errs) > 0 {
		fmt.Fprintln(r.env.Stdout)
		fmt.Fprintln(r.env.Stdout, i18n.L("Last errors:"))
		for _, e := range errs {
			fmt.Fprintf(r.env.Stdout, "  %s  %s\n", e.ID, truncate(e.LastError, 120))
		}
		fmt.Fprintln(r.env.Stdout)
	}
	var c [5]int
	for _, e := range entries {
		switch e.State {
		case queue.Queued, queue.Sending:
			c[0]++
		case queue.Deferred:
			c[1]++
		case queue.Sent:
			c[2]++
		case queue.Failed:
			c[3]++
		}
	}
	fmt.Fprintln(r.env.Stdout, i18n.L("{{.Waiting}} waiting ({{.Deferred}} deferred), {{.Sent}} sent, {{.Failed}} failed. Details: {{.Command}}",
		M{"Waiting": c[0] + c[1], "Deferred": c[1], "Sent": c[2], "Failed": c[3], "Command": "smtpconf queue list --json"}))
	return nil
}

// nextWords says when an entry will be tried, for people.
func nextWords(e queue.Entry, now time.Time) string {
	switch e.State {
	case queue.Sending:
		return i18n.L("now ({{.Runner}})", M{"Runner": e.LeaseOwner})
	case queue.Sent:
		return i18n.L("sent {{.Time}}", M{"Time": smtp.ClockTime(e.SentAt, now)})
	case queue.Failed:
		return "-"
	}
	if !e.NextAttempt.After(now) {
		return i18n.L("due now")
	}
	return i18n.L("{{.In}} (at {{.Time}})", M{"In": inWords(e.NextAttempt.Sub(now)), "Time": smtp.ClockTime(e.NextAttempt, now)})
}

// inWords is a wait for people: "in 40 s", "in 4 min", "in 2 h", "in 3 days".
func inWords(d time.Duration) string {
	switch {
	case d < time.Minute:
		return i18n.L("in {{.Count}} s", M{"Count": int(d.Seconds() + 0.5)})
	case d < time.Hour:
		return i18n.L("in {{.Count}} min", M{"Count": int(d.Minutes() + 0.5)})
	case d < 48*time.Hour:
		return i18n.L("in {{.Count}} h", M{"Count": int(d.Hours() + 0.5)})
	}
	days := int(d.Hours()/24 + 0.5)
	return i18n.N("in {{.Count}} days", days, M{"Count": days})
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// runResult is one message of `queue run --json`.
type runResult struct {
	ID          string   `json:"id"`
	Profile     string   `json:"profile"`
	To          []string `json:"to"`
	Subject     string   `json:"subject"`
	MessageID   string   `json:"message_id"`
	State       string   `json:"state"`
	Attempts    int      `json:"attempts"`
	NextAttempt string   `json:"next_attempt"`
	Tried       bool     `json:"tried"`
	Interrupted bool     `json:"interrupted"`
	Error       string   `json:"error"`
	Stage       string   `json:"stage"`
	Code        int      `json:"code"`
	Enhanced    string   `json:"enhanced"`
	Hint        string   `json:"hint"`
	Kind        string   `json:"kind"`
	Reply       string   `json:"reply"`
}

type runReport struct {
	OK          bool        `json:"ok"` // the run completed (whatever each message's outcome)
	Sent        int         `json:"sent"`
	Deferred    int         `json:"deferred"`
	Failed      int         `json:"failed"`
	NotTried    int         `json:"not_tried"`
	Interrupted bool        `json:"interrupted"`
	Waiting     int         `json:"waiting"`
	NextDue     string      `json:"next_due"`
	Results     []runResult `json:"results"`
}

func (r *runner) queueRun(args []string) error {
	a, o, asJSON, err := r.outboxJSON("queue run", args)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()

	var mu sync.Mutex
	// The profiles, secrets and sign-in of the wiring: the same as `test`.
	cfg := a.QueueConfig()
	if !asJSON {
		cfg.OnEvent = func(e queue.Event) {
			mu.Lock()
			defer mu.Unlock()
			r.printOutcome(e)
		}
	}
	sum, err := o.Run(ctx, cfg)
	interrupted := ctx.Err() != nil
	if err != nil && !interrupted {
		return r.queueError(err)
	}
	sent, deferred, failed, untried := sum.Count()
	bg := context.Background()
	// What is still waiting is the outbox's final state, after any other
	// run at work at the same time has finished its messages too.
	var counts queue.Counts
	if interrupted {
		counts, _ = o.Counts(bg)
	} else {
		counts, _ = o.Settled(ctx)
	}
	next, _ := o.NextDue(bg)
	if asJSON {
		rep := runReport{OK: !interrupted, Sent: sent, Deferred: deferred, Failed: failed, NotTried: untried,
			Interrupted: interrupted, Waiting: counts.Waiting(), NextDue: rfc3339(next), Results: []runResult{}}
		for _, oc := range sum.Outcomes {
			rep.Results = append(rep.Results, runResult{
				ID: oc.ID, Profile: oc.Profile, To: oc.To, Subject: oc.Subject, MessageID: oc.MessageID,
				State: string(oc.State), Attempts: oc.Attempts, NextAttempt: rfc3339(oc.NextAttempt),
				Tried: oc.Tried, Interrupted: oc.Interrupted, Error: oc.Error, Stage: string(oc.Stage),
				Code: oc.Code, Enhanced: oc.Enhanced, Hint: hintText(oc.Hint, oc.Remedy), Kind: oc.Kind, Reply: oc.Reply,
			})
		}
		if err := r.printJSON(rep); err != nil {
			return err
		}
	} else {
		now := time.Now()
		switch {
		case interrupted:
			fmt.Fprintln(r.env.Stdout, i18n.L("Stopped. Messages being sent are due again (they may have gone out)."))
		case len(sum.Outcomes) == 0 && counts.Waiting() == 0:
			fmt.Fprintln(r.env.Stdout, i18n.L("Nothing to send: no message is waiting in the outbox."))
		case len(sum.Outcomes) == 0:
			fmt.Fprintln(r.env.Stdout, i18n.N("Nothing is due yet: {{.Count}} messages waiting, the next at {{.Time}}.", counts.Waiting(), M{"Time": smtp.ClockTime(next, now)}))
		default:
			d := M{"Sent": sent, "Deferred": deferred, "Failed": failed, "NotTried": untried}
			if untried > 0 {
				fmt.Fprintln(r.env.Stdout, i18n.L("Done: {{.Sent}} sent, {{.Deferred}} deferred, {{.Failed}} failed, {{.NotTried}} not tried.", d))
			} else {
				fmt.Fprintln(r.env.Stdout, i18n.L("Done: {{.Sent}} sent, {{.Deferred}} deferred, {{.Failed}} failed.", d))
			}
			if counts.Waiting() > 0 && !next.IsZero() {
				fmt.Fprintln(r.env.Stdout, i18n.N("{{.Count}} messages still waiting; the next try is at {{.Time}}.", counts.Waiting(), M{"Time": smtp.ClockTime(next, now)}))
			}
		}
	}
	if interrupted {
		return exitError{exitInterrupted}
	}
	return nil
}

// printOutcome prints one outcome of a run as it happens.
func (r *runner) printOutcome(e queue.Event) {
	if e.Kind == queue.EventSending {
		return
	}
	now := time.Now()
	to := strings.Join(e.To, ", ")
	w := r.env.Stdout
	// The outcome word is a column: padded to the widest of them.
	words := []string{i18n.L("sent"), i18n.L("stopped"), i18n.L("waiting"), i18n.L("deferred"), i18n.L("FAILED")}
	col := 0
	for _, s := range words {
		col = max(col, textWidth(s))
	}
	col += 2
	d := M{"ID": e.ID, "To": to, "Error": e.Error, "Time": smtp.ClockTime(e.NextAttempt, now), "Attempts": e.Attempts}
	switch {
	case e.Kind == queue.EventSent:
		fmt.Fprintln(w, pad(words[0], col)+i18n.L("{{.ID}} to {{.To}}: {{.Reply}}", M{"ID": e.ID, "To": to, "Reply": e.Reply}))
	case e.Interrupted:
		fmt.Fprintln(w, pad(words[1], col)+i18n.L("{{.ID}} to {{.To}}: {{.Error}}", d))
	case !e.Tried && e.Kind != queue.EventFailed:
		fmt.Fprintln(w, pad(words[2], col)+i18n.L("{{.ID}} to {{.To}}: not tried, the connection failed; next try at {{.Time}}", d))
	case e.Kind == queue.EventDeferred:
		fmt.Fprintln(w, pad(words[3], col)+i18n.N("{{.ID}} to {{.To}}: {{.Error}}; next try at {{.Time}} ({{.Attempts}} attempts made)", e.Attempts, d))
	default:
		fmt.Fprintln(w, pad(words[4], col)+i18n.L("{{.ID}} to {{.To}}: {{.Error}}", d))
		if h := hintText(e.Hint, e.Remedy); h != "" {
			fmt.Fprintln(w, strings.Repeat(" ", col)+i18n.L("Hint: {{.Hint}}", M{"Hint": h}))
		}
	}
}

func (r *runner) queueRetry(args []string) error {
	fs := newFlags("queue retry")
	all := fs.Bool("all", false, i18n.L("make every deferred and failed message due now"))
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *all == (len(pos) == 1) || len(pos) > 1 {
		return usageL("queue retry needs one message id, or --all.")
	}
	_, o, err := r.outbox()
	if err != nil {
		return err
	}
	ctx := context.Background()
	if *all {
		n, err := o.RetryAll(ctx)
		if err != nil {
			return r.queueError(err)
		}
		fmt.Fprintln(r.env.Stdout, i18n.N("{{.Count}} messages made due now. Send them with: {{.Command}}", n, M{"Command": "smtpconf queue run"}))
		return nil
	}
	id, err := r.resolve(o, pos[0])
	if err != nil {
		return err
	}
	e, err := o.Retry(ctx, id)
	if err != nil {
		return r.queueError(messageError(err, id))
	}
	fmt.Fprintln(r.env.Stdout, i18n.L("{{.ID}} ({{.Subject}}) is due now. Send it with: {{.Command}}", M{"ID": e.ID, "Subject": truncate(e.Subject, 60), "Command": "smtpconf queue run"}))
	return nil
}

func (r *runner) queueDelete(args []string) error {
	pos, err := parseArgs(newFlags("queue delete"), args, oneMessage)
	if err != nil {
		return err
	}
	_, o, err := r.outbox()
	if err != nil {
		return err
	}
	id, err := r.resolve(o, pos[0])
	if err != nil {
		return err
	}
	if err := o.Delete(context.Background(), id); err != nil {
		return r.queueError(messageError(err, id))
	}
	fmt.Fprintln(r.env.Stdout, i18n.L("Deleted {{.ID}} from the outbox.", M{"ID": id}))
	return nil
}

// queuedWords says what became of a test message whose failure was
// temporary: the line for people when it was queued; when it could not be,
// a warning (and its hint) on standard error, and "".
func (r *runner) queuedWords(res app.TestResult) string {
	if !res.QueueTried {
		return ""
	}
	if err := res.QueueErr; err != nil {
		fmt.Fprintln(r.env.Stderr, i18n.L("Warning: the message could not be put in the outbox, so it will not be retried: {{.Error}}", M{"Error": err.Error()}))
		if h := errorHint(err); h != "" {
			fmt.Fprintln(r.env.Stderr, i18n.L("Hint: {{.Hint}}", M{"Hint": h}))
		}
		return ""
	}
	return i18n.L("Queued as {{.ID}}: will retry at {{.Time}} (smtpconf queue run, or the open window, sends it).",
		M{"ID": res.Entry.ID, "Time": smtp.ClockTime(res.Entry.NextAttempt, time.Now())})
}
