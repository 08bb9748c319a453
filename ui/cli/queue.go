package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
)

// exitInterrupted is the exit code of a `queue run` stopped by a signal,
// as shells report a command ended by Ctrl-C.
const exitInterrupted = 130

// openOutbox opens the outbox in the config directory, with the settings
// of its optional outbox.json. A file that cannot be used is reported (exit
// 2) and left alone.
func (r *runner) openOutbox() (*queue.Outbox, error) {
	st, err := r.store()
	if err != nil {
		return nil, err
	}
	s, err := queue.LoadSettings(st.Dir)
	if err != nil {
		return nil, err
	}
	return queue.Open(st.Dir, s)
}

// queueError reports a failure of an outbox command: exit 2, with the
// message and a hint on standard error.
func (r *runner) queueError(err error) error {
	fmt.Fprintf(r.env.Stderr, "smtpconf: %s\n", err)
	var h interface{ Hint() string }
	switch {
	case errors.As(err, &h):
		fmt.Fprintf(r.env.Stderr, "Hint: %s\n", h.Hint())
	case errors.Is(err, queue.ErrNotFound):
		fmt.Fprintln(r.env.Stderr, "Hint: list the outbox with 'smtpconf queue list'.")
	case errors.Is(err, queue.ErrSettings):
		fmt.Fprintf(r.env.Stderr, "Hint: fix or remove %s in the config directory; every setting has a default.\n", queue.SettingsFile)
	}
	return exitError{smtp.ExitUsage}
}

func (r *runner) queue(args []string) error {
	if len(args) == 0 {
		return usagef("queue needs a subcommand: list, run, retry or delete")
	}
	switch args[0] {
	case "list", "ls":
		return r.queueList(args[1:])
	case "run":
		return r.queueRun(args[1:])
	case "retry":
		return r.queueRetry(args[1:])
	case "delete", "rm":
		return r.queueDelete(args[1:])
	}
	return usagef("unknown queue subcommand %q (use list, run, retry or delete)", args[0])
}

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
		Hint: e.LastHint, Kind: e.LastKind, Size: e.Size, GiveUpAt: rfc3339(e.GiveUpAt),
		LastAttempt: rfc3339(e.LastAttempt), SentAt: rfc3339(e.SentAt), Reply: e.Reply,
		LeaseOwner: e.LeaseOwner, LeaseUntil: rfc3339(e.LeaseUntil),
	}
}

func (r *runner) queueList(args []string) error {
	fs := newFlags("queue list")
	asJSON := fs.Bool("json", false, "print a JSON array")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("queue list takes no arguments")
	}
	o, err := r.openOutbox()
	if err != nil {
		return r.queueError(err)
	}
	defer o.Close()
	entries, err := o.List(context.Background())
	if err != nil {
		return r.queueError(err)
	}
	if *asJSON {
		items := make([]listItem, 0, len(entries))
		for _, e := range entries {
			items = append(items, toListItem(e))
		}
		return r.printJSON(items)
	}
	if len(entries) == 0 {
		fmt.Fprintln(r.env.Stdout, "The outbox is empty.")
		return nil
	}
	now := time.Now()
	tw := tabwriter.NewWriter(r.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tTRIES\tNEXT TRY\tPROFILE\tTO\tSUBJECT")
	var errs []queue.Entry
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", e.ID, e.State, e.Attempts, nextWords(e, now),
			e.Profile, truncate(strings.Join(e.To, ", "), 40), truncate(e.Subject, 50))
		if e.LastError != "" && e.State != queue.Sent {
			errs = append(errs, e)
		}
	}
	tw.Flush()
	if len(errs) > 0 {
		fmt.Fprintln(r.env.Stdout, "\nLast errors:")
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
	fmt.Fprintf(r.env.Stdout, "%d waiting (%d deferred), %d sent, %d failed. Details: smtpconf queue list --json\n", c[0]+c[1], c[1], c[2], c[3])
	return nil
}

// nextWords says when an entry will be tried, for people.
func nextWords(e queue.Entry, now time.Time) string {
	switch e.State {
	case queue.Sending:
		return "now (" + e.LeaseOwner + ")"
	case queue.Sent:
		return "sent " + clock(e.SentAt, now)
	case queue.Failed:
		return "-"
	}
	if !e.NextAttempt.After(now) {
		return "due now"
	}
	return fmt.Sprintf("in %s (%s)", inWords(e.NextAttempt.Sub(now)), clock(e.NextAttempt, now))
}

// clock is a time for people: "14:32" today, else "Jan 2 14:32".
func clock(t, now time.Time) string {
	t = t.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	if t.Year() == now.Year() {
		return t.Format("Jan 2 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

func inWords(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()+0.5))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
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
	fs := newFlags("queue run")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("queue run takes no arguments")
	}
	st, err := r.store()
	if err != nil {
		return r.queueError(err)
	}
	o, err := r.openOutbox()
	if err != nil {
		return r.queueError(err)
	}
	defer o.Close()
	ctx, cancel := signalContext()
	defer cancel()

	var mu sync.Mutex
	cfg := queue.Config{Profile: st.Get, Secrets: r.secrets()}
	if !*asJSON {
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
	counts, _ := o.Counts(bg)
	next, _ := o.NextDue(bg)
	if *asJSON {
		rep := runReport{OK: !interrupted, Sent: sent, Deferred: deferred, Failed: failed, NotTried: untried,
			Interrupted: interrupted, Waiting: counts.Waiting(), NextDue: rfc3339(next), Results: []runResult{}}
		for _, oc := range sum.Outcomes {
			rep.Results = append(rep.Results, runResult{
				ID: oc.ID, Profile: oc.Profile, To: oc.To, Subject: oc.Subject, MessageID: oc.MessageID,
				State: string(oc.State), Attempts: oc.Attempts, NextAttempt: rfc3339(oc.NextAttempt),
				Tried: oc.Tried, Interrupted: oc.Interrupted, Error: oc.Error, Stage: string(oc.Stage),
				Code: oc.Code, Enhanced: oc.Enhanced, Hint: oc.Hint, Kind: oc.Kind, Reply: oc.Reply,
			})
		}
		if err := r.printJSON(rep); err != nil {
			return err
		}
	} else {
		now := time.Now()
		switch {
		case interrupted:
			fmt.Fprintln(r.env.Stdout, "Stopped. Messages being sent are due again (they may have gone out).")
		case len(sum.Outcomes) == 0 && counts.Waiting() == 0:
			fmt.Fprintln(r.env.Stdout, "Nothing to send: no message is waiting in the outbox.")
		case len(sum.Outcomes) == 0:
			fmt.Fprintf(r.env.Stdout, "Nothing is due yet: %d message(s) waiting, the next at %s.\n", counts.Waiting(), clock(next, now))
		default:
			fmt.Fprintf(r.env.Stdout, "Done: %d sent, %d deferred, %d failed", sent, deferred, failed)
			if untried > 0 {
				fmt.Fprintf(r.env.Stdout, ", %d not tried", untried)
			}
			fmt.Fprintln(r.env.Stdout, ".")
			if counts.Waiting() > 0 && !next.IsZero() {
				fmt.Fprintf(r.env.Stdout, "%d message(s) still waiting; the next try is at %s.\n", counts.Waiting(), clock(next, now))
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
	switch {
	case e.Kind == queue.EventSent:
		fmt.Fprintf(w, "sent      %s to %s: %s\n", e.ID, to, e.Reply)
	case e.Interrupted:
		fmt.Fprintf(w, "stopped   %s to %s: %s\n", e.ID, to, e.Error)
	case !e.Tried && e.Kind != queue.EventFailed:
		fmt.Fprintf(w, "waiting   %s to %s: not tried, the connection failed; next try at %s\n", e.ID, to, clock(e.NextAttempt, now))
	case e.Kind == queue.EventDeferred:
		fmt.Fprintf(w, "deferred  %s to %s: %s; next try at %s (attempt %d done)\n", e.ID, to, e.Error, clock(e.NextAttempt, now), e.Attempts)
	default:
		fmt.Fprintf(w, "FAILED    %s to %s: %s\n", e.ID, to, e.Error)
		if e.Hint != "" {
			fmt.Fprintf(w, "          Hint: %s\n", e.Hint)
		}
	}
}

func (r *runner) queueRetry(args []string) error {
	fs := newFlags("queue retry")
	all := fs.Bool("all", false, "make every deferred and failed message due now")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *all == (len(pos) == 1) || len(pos) > 1 {
		return usagef("queue retry needs one message id, or --all")
	}
	o, err := r.openOutbox()
	if err != nil {
		return r.queueError(err)
	}
	defer o.Close()
	ctx := context.Background()
	if *all {
		n, err := o.RetryAll(ctx)
		if err != nil {
			return r.queueError(err)
		}
		fmt.Fprintf(r.env.Stdout, "%d message(s) made due now. Send them with: smtpconf queue run\n", n)
		return nil
	}
	id, err := o.Resolve(ctx, pos[0])
	if err != nil {
		return r.queueError(err)
	}
	e, err := o.Retry(ctx, id)
	if err != nil {
		return r.queueError(err)
	}
	fmt.Fprintf(r.env.Stdout, "%s (%s) is due now. Send it with: smtpconf queue run\n", e.ID, truncate(e.Subject, 60))
	return nil
}

func (r *runner) queueDelete(args []string) error {
	fs := newFlags("queue delete")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("queue delete needs exactly one message id")
	}
	o, err := r.openOutbox()
	if err != nil {
		return r.queueError(err)
	}
	defer o.Close()
	ctx := context.Background()
	id, err := o.Resolve(ctx, pos[0])
	if err != nil {
		return r.queueError(err)
	}
	if err := o.Delete(ctx, id); err != nil {
		return r.queueError(err)
	}
	fmt.Fprintf(r.env.Stdout, "Deleted %s from the outbox.\n", id)
	return nil
}

// queueTest puts the message of a test whose failure is temporary in the
// outbox: the very bytes that were tried, as deferred with attempts 1. It
// sets rep.Queued and rep.QueueID, and returns what to tell people. If the
// outbox cannot be used, it warns and the report stays queued=false.
func (r *runner) queueTest(p smtp.Profile, rep *smtp.Report, msg *smtp.TestMessage) string {
	if rep.OK || !rep.Temporary || msg == nil {
		return ""
	}
	o, err := r.openOutbox()
	if err == nil {
		defer o.Close()
		var e queue.Entry
		e, err = o.EnqueueAttempted(context.Background(), queue.FromTest(p.Name, msg), queue.AttemptFromReport(*rep))
		if err == nil {
			rep.Queued, rep.QueueID = true, e.ID
			return fmt.Sprintf("Queued as %s: will retry at %s (smtpconf queue run, or the open window, sends it).",
				e.ID, clock(e.NextAttempt, time.Now()))
		}
	}
	fmt.Fprintf(r.env.Stderr, "Warning: the message could not be put in the outbox, so it will not be retried: %v\n", err)
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		fmt.Fprintf(r.env.Stderr, "Hint: %s\n", h.Hint())
	}
	return ""
}
