package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// Config is what delivery needs besides the outbox.
type Config struct {
	// Profile returns a profile's current settings; it is asked when a
	// profile's run starts, so edits made meanwhile are used. Required.
	Profile func(name string) (smtp.Profile, error)
	// Secrets holds the profiles' passwords; nil means none is available
	// (profiles that authenticate then wait, deferred). It is used only when
	// SendOptions is nil.
	Secrets smtp.SecretStore
	// SendOptions, if set, builds the options of each session for a profile:
	// its secret and, for xoauth2, its access tokens. The wiring that runs
	// the outbox passes the same builder its test sends use (smtp/app's
	// App.SendOptions), so a run signs in with the manager and secrets the
	// caller was given. Profile and Transcript are set by the run. nil means
	// the password from Secrets and no sign-in: an xoauth2 profile waits,
	// deferred, as if it were not signed in.
	SendOptions func(smtp.Profile) smtp.Options
	// OnEvent, if set, is told of every claim and every outcome. Calls come
	// from delivery goroutines, one at a time; the window marshals them onto
	// its UI thread itself.
	OnEvent func(Event)
	// Options, if set, may adjust the connection options of each session
	// (tests: trust roots, a dialer).
	Options func(*smtp.Options)
	// OnlyProfile, if set, limits a run to that profile's messages (the
	// sendmail command tries its own profile at once, nothing else).
	OnlyProfile string
}

// EventKind says what happened to a message.
type EventKind string

// Event kinds. Sent and Failed are final ("delivered", "failed for good"):
// the window notifies the person of those.
const (
	EventSending  EventKind = "sending"  // claimed, being sent
	EventSent     EventKind = "sent"     // delivered
	EventDeferred EventKind = "deferred" // will be tried again at NextAttempt
	EventFailed   EventKind = "failed"   // failed permanently or gave up
)

// Event is one claim or outcome, with the message's new state.
type Event struct {
	Kind EventKind
	Outcome
}

// Final reports whether the message reached an end state (sent or failed).
func (e Event) Final() bool { return e.Kind == EventSent || e.Kind == EventFailed }

// Outcome is what a run did with one message.
type Outcome struct {
	ID        string
	Profile   string
	To        []string
	Subject   string
	MessageID string

	State       State // after the run: sent, deferred, failed, or queued/deferred if not tried
	Attempts    int
	NextAttempt time.Time // when deferred or not tried

	// Tried is false for a message this run did not try because its
	// profile's connection failed first: only its next attempt moved (or,
	// for a permanent failure of the connection, it failed with the others).
	Tried bool
	// Interrupted: the run was stopped (or the lease ran out) before the
	// outcome was known; the message is due again and may have been delivered.
	Interrupted bool

	Error    string // "" when sent
	Stage    smtp.Stage
	Code     int
	Enhanced string
	Hint     string
	Kind     string
	Remedy   smtp.Remedy // the fix as data, for each front end to word
	Reply    string      // the server's reply when sent
}

// Summary is the result of one run.
type Summary struct {
	Outcomes []Outcome // in the order they happened
}

// Count returns how many outcomes reached each state; untried messages are
// counted apart.
func (s Summary) Count() (sent, deferred, failed, untried int) {
	for _, o := range s.Outcomes {
		switch {
		case !o.Tried && o.State != Failed:
			untried++
		case o.State == Sent:
			sent++
		case o.State == Failed:
			failed++
		default:
			deferred++
		}
	}
	return
}

// Run tries every due message once, then returns: per profile, oldest
// first, each profile over one connection (reopened every
// Settings.MaxPerConnection messages), up to Settings.Parallel profiles at
// once. Messages left "sending" by a runner that is gone are taken back
// first. Every outcome is in the Summary, whatever it was; an error means
// the outbox itself failed (or ctx was cancelled, in which case the message
// being sent is left due again).
func (o *Outbox) Run(ctx context.Context, cfg Config) (Summary, error) {
	if cfg.Profile == nil {
		return Summary{}, errors.New("queue: Config.Profile is required")
	}
	r := &run{o: o, cfg: cfg, start: o.now()}
	if err := o.Reclaim(ctx); err != nil {
		return r.sum, err
	}
	profiles, err := o.dueProfiles(ctx, r.start)
	if err != nil {
		return r.sum, err
	}
	if cfg.OnlyProfile != "" {
		profiles = slices.DeleteFunc(profiles, func(p string) bool { return p != cfg.OnlyProfile })
	}
	sem := make(chan struct{}, o.settings.Parallel)
	var wg sync.WaitGroup
	errs := make([]error, len(profiles))
	for i, p := range profiles {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = r.profile(ctx, p)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return r.sum, err
	}
	if err := ctx.Err(); err != nil {
		return r.sum, err
	}
	return r.sum, o.Prune(ctx)
}

func (o *Outbox) dueProfiles(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := o.db.QueryContext(ctx, `SELECT profile, min(created) AS oldest FROM messages
		WHERE (state IN ('queued','deferred') AND next_attempt <= ?) OR (state = 'sending' AND lease_until <= ?)
		GROUP BY profile ORDER BY oldest`, ms(now), ms(now))
	if err != nil {
		return nil, o.wrap(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		var oldest int64
		if err := rows.Scan(&p, &oldest); err != nil {
			return nil, o.wrap(err)
		}
		out = append(out, p)
	}
	return out, o.wrap(rows.Err())
}

// run is one Run call.
type run struct {
	o     *Outbox
	cfg   Config
	start time.Time

	mu  sync.Mutex // guards sum and serialises OnEvent
	sum Summary
}

func (r *run) report(kind EventKind, oc Outcome, inSummary bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if inSummary {
		r.sum.Outcomes = append(r.sum.Outcomes, oc)
	}
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(Event{Kind: kind, Outcome: oc})
	}
}

// claimed is a message this run holds.
type claimed struct {
	id, from, subject, messageID string
	to                           []string
	attempts                     int
	created, giveUp, leaseUntil  time.Time
	raw                          []byte
}

// others says what happens to the profile's other due messages when its
// connection failed.
type others int

const (
	othersAlone others = iota // a per-message outcome: nothing
	othersPush                // temporary: wait until the head's next attempt (or give up)
	othersFail                // permanent: fail them with the same diagnosis
)

// record is an outcome to write.
type record struct {
	c           *claimed
	state       State
	next        time.Time
	d           smtp.Diagnosis
	errText     string
	reply       string
	transcript  []string
	interrupted bool
	gaveUp      bool // temporary, but past the give-up time
	others      others
}

func (rec *record) outcome(profile string) Outcome {
	oc := Outcome{
		ID: rec.c.id, Profile: profile, To: rec.c.to, Subject: rec.c.subject, MessageID: rec.c.messageID,
		State: rec.state, Attempts: rec.c.attempts, Tried: true, Interrupted: rec.interrupted, Reply: rec.reply,
	}
	if rec.state == Deferred || rec.state == Queued {
		oc.NextAttempt = rec.next
	}
	if rec.state != Sent {
		oc.Error, oc.Stage, oc.Code, oc.Enhanced, oc.Hint, oc.Kind, oc.Remedy =
			rec.errText, rec.d.Stage, rec.d.Code, rec.d.Enhanced, rec.d.Hint, string(rec.d.Kind), rec.d.Remedy
	}
	return oc
}

// profile delivers the due messages of one profile.
func (r *run) profile(ctx context.Context, name string) error {
	o := r.o
	var (
		p        smtp.Profile
		perr     error
		looked   bool
		sess     *smtp.Session
		sessStop context.CancelFunc
		leaseHit atomic.Bool
		tr       *smtp.Transcript
		connEnd  int // transcript lines of the connection phase
		perConn  int
		pending  *record
	)
	closeSess := func() {
		if sess != nil {
			sess.Close()
			sess = nil
		}
		if sessStop != nil {
			sessStop()
			sessStop = nil
		}
	}
	defer closeSess()
	// finish records the last outcome without claiming more.
	finish := func(rec *record) error {
		_, err := r.step(ctx, name, rec, false)
		if err == nil {
			err = ctx.Err()
		}
		return err
	}
	// guard cuts the connection shortly before the message's lease runs
	// out, so that no other runner takes the message while this one may
	// still deliver it. The returned func stops the guard and reports
	// whether it fired.
	guard := func(c *claimed) func() bool {
		margin := min(time.Duration(o.settings.LeaseDuration)/10, 30*time.Second)
		stop := sessStop
		leaseHit.Store(false)
		t := time.AfterFunc(c.leaseUntil.Add(-margin).Sub(o.now()), func() { leaseHit.Store(true); stop() })
		return func() bool { return !t.Stop() && leaseHit.Load() }
	}
	for {
		c, err := r.step(ctx, name, pending, true)
		pending = nil
		if err != nil || c == nil {
			return err
		}
		if !looked {
			p, perr = r.cfg.Profile(name)
			looked = true
		}
		if perr != nil {
			return finish(r.setupFailure(c, smtp.Profile{Name: name}, perr, nil))
		}
		if sess == nil || perConn >= o.settings.MaxPerConnection {
			closeSess()
			sctx, cancel := context.WithCancel(ctx)
			sessStop = cancel
			tr = smtp.NewTranscript()
			opts := r.options(p)
			opts.Profile, opts.Transcript = p, tr
			if r.cfg.Options != nil {
				r.cfg.Options(&opts)
			}
			fired := guard(c)
			s, err := smtp.Dial(sctx, opts)
			hit := fired()
			if err != nil {
				closeSess()
				if ctx.Err() != nil {
					return finish(r.interrupted(c, "the run was stopped while connecting", tr.Lines()))
				}
				if hit {
					err = leaseError(err, o.settings.LeaseDuration)
				}
				return finish(r.setupFailure(c, p, err, tr.Lines()))
			}
			sess, perConn = s, 0
			connEnd = len(tr.Lines())
		}
		fired := guard(c)
		before := len(tr.Lines())
		reply, err := sess.Send(ctx, c.from, c.to, c.raw)
		hit := fired()
		perConn++
		lines := messageLines(tr.Lines(), connEnd, before, perConn)
		if err == nil {
			pending = &record{c: c, state: Sent, reply: reply, transcript: lines}
			continue
		}
		if ctx.Err() != nil {
			closeSess()
			return finish(r.interrupted(c, "the run was stopped while sending", lines))
		}
		if hit {
			err = leaseError(err, o.settings.LeaseDuration)
		}
		pending = r.failure(c, smtp.Diagnose(err, p), lines)
		if connectionLevel(err) {
			// The connection is gone: this profile's run ends, and its
			// other due messages wait for the next attempt untried.
			closeSess()
			pending.others = othersPush
			return finish(pending)
		}
	}
}

// options are a session's options for p: from the caller's builder, else
// the password from Secrets.
func (r *run) options(p smtp.Profile) smtp.Options {
	if r.cfg.SendOptions != nil {
		return r.cfg.SendOptions(p)
	}
	return smtp.Options{Secret: r.secret(p.Name)}
}

// secret reads the profile's secret when the connection needs it.
func (r *run) secret(name string) func() (string, error) {
	return func() (string, error) {
		if r.cfg.Secrets == nil {
			return "", fmt.Errorf("no password store is available to the outbox: %w", smtp.ErrSecretNotFound)
		}
		return r.cfg.Secrets.Get(name)
	}
}

// connectionLevel reports whether a Send error ended the connection: any
// failure without an SMTP reply (network, timeout) and 421 (the server is
// closing). Other replies leave the session usable for the next message.
func connectionLevel(err error) bool {
	if errors.Is(err, smtp.ErrNeedsSMTPUTF8) {
		return false
	}
	var e *smtp.Error
	if !errors.As(err, &e) {
		return true
	}
	return e.Code == 0 || e.Code == 421
}

// localCondition: something on this computer (the keyring, the stored
// password, the profiles file), not the server's verdict: wait and retry.
func localCondition(err error) bool {
	var ke *smtp.KeyringError
	return errors.As(err, &ke) || errors.Is(err, smtp.ErrSecretNotFound) || errors.Is(err, smtp.ErrCorruptConfig)
}

// leaseError replaces the error of a connection cut because the message's
// lease was running out by a timeout of the same stage.
func leaseError(err error, lease Duration) error {
	st := smtp.StageConnect
	var e *smtp.Error
	if errors.As(err, &e) {
		st = e.Stage
	}
	return &smtp.Error{Stage: st, Err: fmt.Errorf("%w: the exchange took longer than the outbox lease (%s) allows", context.DeadlineExceeded, lease)}
}

// setupFailure is a failure before or while connecting: it stands for the
// whole profile, so the others follow the head.
func (r *run) setupFailure(c *claimed, p smtp.Profile, err error, lines []string) *record {
	d := smtp.Diagnose(err, p)
	if d.Stage == "" {
		d.Stage = smtp.StageSetup
	}
	if localCondition(err) {
		// A local condition, not the server's verdict: wait for it to clear.
		d.Temporary = true
	}
	rec := r.failure(c, d, lines)
	if rec.state == Failed && !rec.gaveUp {
		rec.others = othersFail
	} else {
		rec.others = othersPush
	}
	return rec
}

// failure turns a diagnosis into deferred (temporary, before the give-up
// time) or failed.
func (r *run) failure(c *claimed, d smtp.Diagnosis, lines []string) *record {
	now := r.o.now()
	rec := &record{c: c, d: d, errText: d.Message, transcript: lines}
	switch {
	case d.Temporary && now.Before(c.giveUp):
		rec.state = Deferred
		rec.next = now.Add(r.o.settings.Schedule.delay(c.attempts, d.Code))
		if rec.next.After(c.giveUp) {
			rec.next = c.giveUp // one last try when the time is up
		}
	case d.Temporary:
		rec.state, rec.gaveUp = Failed, true
		// last_error is read by scripts too (queue list --json), so it stays
		// English, like the server's words it quotes; the hint below is in
		// the person's language.
		unit := "attempts"
		if c.attempts == 1 {
			unit = "attempt"
		}
		rec.errText = fmt.Sprintf("gave up after %d %s in %s: %s", c.attempts, unit, roundDuration(now.Sub(c.created)), d.Message)
		rec.d.Hint = strings.TrimSpace(l10n.L("{{.Hint}} The outbox stopped trying: the message could not be delivered before its give-up time.", map[string]any{"Hint": d.Hint}))
	default:
		rec.state = Failed
	}
	return rec
}

func (r *run) interrupted(c *claimed, why string, lines []string) *record {
	return &record{
		c: c, state: Deferred, next: r.o.now(), interrupted: true, errText: "interrupted: " + why,
		d: smtp.Diagnosis{Kind: smtp.KindInterrupted,
			Hint: l10n.L("The attempt was stopped before the server's answer arrived, so the message may have been delivered; it will be sent again.")},
		transcript: lines,
	}
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return d.Round(time.Hour).String()
	case d >= time.Minute:
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Second).String()
}

// messageLines is the transcript of one message sent over a session: the
// connection phase, then the message's own exchange.
func messageLines(all []string, connEnd, before, nth int) []string {
	connEnd = min(connEnd, len(all))
	before = min(max(before, connEnd), len(all))
	out := make([]string, 0, connEnd+1+len(all)-before)
	out = append(out, all[:connEnd]...)
	if nth > 1 {
		out = append(out, fmt.Sprintf("* (%d earlier message(s) on this connection)", nth-1))
	}
	return append(out, all[before:]...)
}

// step writes pending (if any) and, if claim is set and ctx is not done,
// claims the profile's oldest due message, in one write transaction. It
// returns nil when nothing was claimed. Events follow the commit. An
// outcome is written even when ctx is done: it must not be lost.
func (r *run) step(ctx context.Context, profile string, pending *record, claim bool) (*claimed, error) {
	o := r.o
	claim = claim && ctx.Err() == nil
	if pending == nil && !claim {
		return nil, nil
	}
	var (
		c     *claimed
		lost  bool
		extra []Outcome
	)
	wctx := ctx
	if pending != nil {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), busyTimeout+5*time.Second)
		defer cancel()
	}
	err := o.bookTx(wctx, func(tx *sql.Tx) error {
		c, lost, extra = nil, false, nil
		now := o.now()
		if pending != nil {
			var err error
			if lost, extra, err = r.write(wctx, tx, profile, pending, now); err != nil {
				return err
			}
		}
		if !claim {
			return nil
		}
		var err error
		c, err = r.claim(wctx, tx, profile, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if pending != nil {
		if !lost {
			r.report(eventKind(pending.state), pending.outcome(profile), true)
		}
		for _, oc := range extra {
			oc.Profile = profile
			r.report(eventKind(oc.State), oc, true)
		}
	}
	if c != nil {
		r.report(EventSending, Outcome{ID: c.id, Profile: profile, To: c.to, Subject: c.subject,
			MessageID: c.messageID, State: Sending, Attempts: c.attempts, Tried: true}, false)
	}
	return c, nil
}

func eventKind(s State) EventKind {
	switch s {
	case Sent:
		return EventSent
	case Failed:
		return EventFailed
	}
	return EventDeferred
}
