package queue

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/l10n"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// TestFaults injects the failures people meet and checks what the outbox
// makes of them, then (for temporary ones) that the retry delivers the very
// same bytes once the fault clears.
func TestFaults(t *testing.T) {
	const user, pass = "me@example.com", "right-password"
	cases := []struct {
		name  string
		cfg   smtptest.Config
		auth  string // the password the profile uses ("" = no AUTH)
		down  bool   // the server is down for the first run
		clear func(*smtptest.Config)

		state State
		stage smtp.Stage
		code  int
		kind  string
		// minDelay is the least wait before the next attempt.
		minDelay time.Duration
	}{
		{name: "451 at RCPT then success",
			cfg:   smtptest.Config{FailRcpt: &smtptest.Reply{Code: 451, Enhanced: "4.7.1", Message: "Try again later"}},
			clear: func(c *smtptest.Config) { c.FailRcpt = nil },
			state: Deferred, stage: smtp.StageRcpt, code: 451, kind: "temporary", minDelay: 30 * time.Millisecond},
		{name: "421 at connect",
			cfg:   smtptest.Config{Greeting: &smtptest.Reply{Code: 421, Enhanced: "4.3.2", Message: "Too busy, try later"}},
			clear: func(c *smtptest.Config) { c.Greeting = nil },
			// 421 waits longer: at least the rate-limit floor.
			state: Deferred, stage: smtp.StageConnect, code: 421, kind: "greeting-temporary", minDelay: 95 * time.Millisecond},
		{name: "dropped mid-DATA",
			cfg:   smtptest.Config{DropMidData: true},
			clear: func(c *smtptest.Config) { c.DropMidData = false },
			state: Deferred, stage: smtp.StageData, kind: "dropped", minDelay: 30 * time.Millisecond},
		{name: "550 at MAIL fails, not retried",
			cfg:   smtptest.Config{FailMail: &smtptest.Reply{Code: 550, Enhanced: "5.7.1", Message: "Sender rejected"}},
			state: Failed, stage: smtp.StageMail, code: 550, kind: "sender-not-allowed"},
		{name: "535 fails, hint kept",
			cfg:   smtptest.Config{Mode: smtptest.STARTTLS, Users: map[string]string{user: "other"}},
			auth:  pass,
			state: Failed, stage: smtp.StageAuth, code: 535, kind: "auth-failed"},
		{name: "server down then up",
			down:  true,
			state: Deferred, stage: smtp.StageConnect, kind: "refused", minDelay: 30 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxT(t)
			o := openTest(t, fastSettings())
			srv := smtptest.Start(t, tc.cfg)
			p := plainProfile("p", srv.Port)
			var px *proxy
			if tc.down {
				px = newProxy(t, srv.Addr)
				p.Port = px.port
			}
			cfg := config(newProfiles(p))
			if tc.auth != "" {
				p.Security, p.Auth, p.Username, p.CAFile = smtp.SecuritySTARTTLS, smtp.AuthPlain, user, srv.CAFile
				cfg = config(newProfiles(p))
				secrets := smtp.NewSessionSecrets()
				secrets.Set("p", tc.auth)
				cfg.Secrets = secrets
			}
			m := testMessage("p", 1)
			e := enqueue(t, o, m)

			sum, err := o.Run(ctx, cfg)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(sum.Outcomes) != 1 {
				t.Fatalf("outcomes: %+v", sum.Outcomes)
			}
			got := get(t, o, e.ID)
			if got.State != tc.state || got.LastStage != tc.stage || got.LastCode != tc.code || got.LastKind != tc.kind || got.Attempts != 1 {
				t.Fatalf("after the first run: state %s stage %s code %d kind %s attempts %d; want %s %s %d %s 1\nerror: %s",
					got.State, got.LastStage, got.LastCode, got.LastKind, got.Attempts, tc.state, tc.stage, tc.code, tc.kind, got.LastError)
			}
			if got.LastError == "" || got.LastHint == "" || len(got.Transcript) == 0 {
				t.Fatalf("error %q hint %q transcript %q", got.LastError, got.LastHint, got.Transcript)
			}
			if tc.state == Deferred {
				if wait := got.NextAttempt.Sub(got.LastAttempt); wait < tc.minDelay {
					t.Fatalf("next attempt after %s, want at least %s", wait, tc.minDelay)
				}
			}
			if tc.auth != "" && strings.Contains(strings.Join(got.Transcript, "\n")+got.LastError+got.LastHint, tc.auth) {
				t.Fatal("the password is in the outbox")
			}

			// Fix the fault and run again once the message is due.
			switch {
			case tc.down:
				px.up()
			case tc.clear != nil:
				srv.Set(tc.clear)
			}
			makeDue(t, o)
			if _, err := o.Run(ctx, cfg); err != nil {
				t.Fatalf("second Run: %v", err)
			}
			got = get(t, o, e.ID)
			msgs := srv.Messages()
			if tc.state == Failed {
				// Permanent: not retried.
				if got.State != Failed || got.Attempts != 1 || len(msgs) != 0 || got.LastHint == "" {
					t.Fatalf("a failed message was retried: %+v, %d delivered", got, len(msgs))
				}
				return
			}
			if got.State != Sent || got.Attempts != 2 || got.LastError != "" || !strings.HasPrefix(got.Reply, "250") {
				t.Fatalf("after the fix: %+v", got)
			}
			if len(msgs) != 1 || !bytes.Equal(msgs[0].Data, m.Raw) {
				t.Fatalf("delivered %d messages; first differs from the queued bytes", len(msgs))
			}
		})
	}
}

// TestOneConnectionPerProfile: several messages to one server go over one
// connection, oldest first, and profiles do not mix.
func TestOneConnectionPerProfile(t *testing.T) {
	ctx := ctxT(t)
	o := openTest(t, fastSettings())
	a := smtptest.Start(t, smtptest.Config{})
	b := smtptest.Start(t, smtptest.Config{})
	cfg := config(newProfiles(plainProfile("a", a.Port), plainProfile("b", b.Port)))
	var want = map[string][]string{}
	for i := range 10 {
		p := "a"
		if i%3 == 0 {
			p = "b"
		}
		e := enqueue(t, o, testMessage(p, i))
		want[p] = append(want[p], e.MessageID)
	}
	sum, err := o.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sent, deferred, failed, untried := sum.Count(); sent != 10 || deferred+failed+untried != 0 {
		t.Fatalf("counts %d %d %d %d", sent, deferred, failed, untried)
	}
	for p, srv := range map[string]*smtptest.Server{"a": a, "b": b} {
		if srv.Connections() != 1 {
			t.Errorf("profile %s used %d connections", p, srv.Connections())
		}
		var got []string
		for _, m := range srv.Messages() {
			got = append(got, headerMessageID(m.Data))
		}
		if strings.Join(got, " ") != strings.Join(want[p], " ") {
			t.Errorf("profile %s order:\n got %v\nwant %v", p, got, want[p])
		}
	}
	l, _ := o.List(ctx)
	for _, e := range l {
		if e.State != Sent || e.SentAt.IsZero() || e.NextAttempt != (time.Time{}) {
			t.Fatalf("entry %+v", e)
		}
	}
	// Nothing is due now: a second run does nothing.
	if sum, err := o.Run(ctx, cfg); err != nil || len(sum.Outcomes) != 0 {
		t.Fatalf("second run: %v %+v", err, sum)
	}
}

// TestPerMessage4xxKeepsGoing: a 4xx for one message defers only it; the
// connection carries on with the next.
func TestPerMessage4xxKeepsGoing(t *testing.T) {
	ctx := ctxT(t)
	o := openTest(t, fastSettings())
	srv := smtptest.Start(t, smtptest.Config{})
	cfg := config(newProfiles(plainProfile("p", srv.Port)))
	var ids []string
	for i := range 3 {
		ids = append(ids, enqueue(t, o, testMessage("p", i)).ID)
	}
	cfg.OnEvent = func(e Event) {
		if e.Kind != EventSending {
			return
		}
		srv.Set(func(c *smtptest.Config) {
			c.FailRcpt = nil
			if e.ID == ids[1] {
				c.FailRcpt = &smtptest.Reply{Code: 452, Enhanced: "4.5.3", Message: "Too many recipients this hour"}
			}
		})
	}
	if _, err := o.Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	states := []State{get(t, o, ids[0]).State, get(t, o, ids[1]).State, get(t, o, ids[2]).State}
	if states[0] != Sent || states[1] != Deferred || states[2] != Sent || srv.Connections() != 1 {
		t.Fatalf("states %v, %d connections", states, srv.Connections())
	}
}

// TestConnectionFailureEndsProfileRun: a dropped connection defers the
// message being sent and leaves the others untried: no attempt counted, only
// their next attempt moved to the head's.
func TestConnectionFailureEndsProfileRun(t *testing.T) {
	ctx := ctxT(t)
	o := openTest(t, fastSettings())
	srv := smtptest.Start(t, smtptest.Config{DropMidData: true})
	cfg := config(newProfiles(plainProfile("p", srv.Port)))
	var ids []string
	for i := range 3 {
		ids = append(ids, enqueue(t, o, testMessage("p", i)).ID)
	}
	sum, err := o.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	head := get(t, o, ids[0])
	if head.State != Deferred || head.Attempts != 1 || srv.Connections() != 1 {
		t.Fatalf("head %+v, %d connections", head, srv.Connections())
	}
	for _, id := range ids[1:] {
		e := get(t, o, id)
		if e.State != Queued || e.Attempts != 0 || e.LastError != "" || !e.NextAttempt.Equal(head.NextAttempt) {
			t.Fatalf("untried message touched: %+v (head next %s)", e, head.NextAttempt)
		}
	}
	if _, _, _, untried := sum.Count(); untried != 2 {
		t.Fatalf("summary: %+v", sum)
	}
	srv.Set(func(c *smtptest.Config) { c.DropMidData = false })
	makeDue(t, o)
	if sum, err := o.Run(ctx, cfg); err != nil || len(srv.Messages()) != 3 {
		t.Fatalf("retry: %v %+v", err, sum)
	}
}

// TestPermanentConnectionFailureFailsProfile: an authentication failure
// stands for every due message of the profile: all fail with the hint, only
// the one tried counts an attempt.
func TestPermanentConnectionFailureFailsProfile(t *testing.T) {
	ctx := ctxT(t)
	o := openTest(t, fastSettings())
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: map[string]string{"u": "right"}})
	p := plainProfile("p", srv.Port)
	p.Security, p.Auth, p.Username, p.CAFile = smtp.SecuritySTARTTLS, smtp.AuthAuto, "u", srv.CAFile
	cfg := config(newProfiles(p))
	sec := smtp.NewSessionSecrets()
	sec.Set("p", "wrong")
	cfg.Secrets = sec
	var ids []string
	for i := range 3 {
		ids = append(ids, enqueue(t, o, testMessage("p", i)).ID)
	}
	if _, err := o.Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		e := get(t, o, id)
		wantAttempts := 0
		if i == 0 {
			wantAttempts = 1
		}
		if e.State != Failed || e.LastCode != 535 || e.LastHint == "" || e.Attempts != wantAttempts {
			t.Fatalf("message %d: %+v", i, e)
		}
	}
	if srv.Connections() != 1 {
		t.Fatalf("%d connections: one login attempt is enough", srv.Connections())
	}
}

// TestLocalConditionsDefer: a keyring that cannot be read, or no stored
// password, is not the server's verdict: the message waits.
func TestLocalConditionsDefer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		remedy smtp.Action // kept with the entry, for each front end to word
	}{
		{"keyring locked", &smtp.KeyringError{Op: "get", Profile: "p", Kind: smtp.ErrKeyringLocked}, smtp.RemedyNone},
		{"no password", smtp.ErrSecretNotFound, smtp.RemedyStorePassword},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxT(t)
			o := openTest(t, fastSettings())
			srv := smtptest.Start(t, smtptest.Config{})
			p := plainProfile("p", srv.Port)
			p.Auth, p.Username = smtp.AuthPlain, "me@example.com"
			cfg := config(newProfiles(p))
			cfg.Secrets = failingSecrets{tc.err}
			e := enqueue(t, o, testMessage("p", 1))
			enqueue(t, o, testMessage("p", 2))
			if _, err := o.Run(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			got := get(t, o, e.ID)
			if got.State != Deferred || got.LastStage != smtp.StageSetup || got.LastHint == "" || srv.Connections() != 0 ||
				got.LastRemedy.Action != tc.remedy {
				t.Fatalf("%+v, %d connections", got, srv.Connections())
			}
		})
	}
}

type failingSecrets struct{ err error }

func (f failingSecrets) Get(string) (string, error) { return "", f.err }
func (f failingSecrets) Set(string, string) error   { return f.err }
func (f failingSecrets) Delete(string) error        { return f.err }

// TestGiveUp: a temporary failure past the give-up time fails the message,
// and the profile's other old messages with it.
func TestGiveUp(t *testing.T) {
	ctx := ctxT(t)
	s := fastSettings()
	o := openTest(t, s)
	clk := fakeClock(o)
	srv := smtptest.Start(t, smtptest.Config{Greeting: &smtptest.Reply{Code: 421, Message: "busy"}})
	cfg := config(newProfiles(plainProfile("p", srv.Port)))
	a := enqueue(t, o, testMessage("p", 1))
	b := enqueue(t, o, testMessage("p", 2))
	// Just past the give-up time (the default: 72 hours).
	clk.advance(time.Duration(s.GiveUp) + time.Millisecond)
	if _, err := o.Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a.ID, b.ID} {
		e := get(t, o, id)
		if e.State != Failed || !strings.HasPrefix(e.LastError, "gave up") || !strings.Contains(e.LastHint, "give-up") {
			t.Fatalf("%+v", e)
		}
	}
}

// TestGiveUpErrorStaysEnglish: last_error is matched by scripts (queue
// list --json), so it is English whatever the language; the hint is not.
func TestGiveUpErrorStaysEnglish(t *testing.T) {
	l10n.Use("zh")
	defer l10n.Use("")
	ctx := ctxT(t)
	s := fastSettings()
	o := openTest(t, s)
	clk := fakeClock(o)
	srv := smtptest.Start(t, smtptest.Config{Greeting: &smtptest.Reply{Code: 421, Message: "busy"}})
	a := enqueue(t, o, testMessage("p", 1))
	clk.advance(time.Duration(s.GiveUp) + time.Millisecond)
	if _, err := o.Run(ctx, config(newProfiles(plainProfile("p", srv.Port)))); err != nil {
		t.Fatal(err)
	}
	e := get(t, o, a.ID)
	if !strings.HasPrefix(e.LastError, "gave up after 1 attempt in ") || !strings.Contains(e.LastError, "421") {
		t.Errorf("last_error = %q, want English", e.LastError)
	}
	if !strings.ContainsAny(e.LastHint, "发件箱重试") {
		t.Errorf("last hint = %q, want Chinese", e.LastHint)
	}
}

// TestUnknownProfileFails: a message whose profile was deleted fails.
func TestUnknownProfileFails(t *testing.T) {
	o := openTest(t, fastSettings())
	e := enqueue(t, o, testMessage("gone", 1))
	if _, err := o.Run(ctxT(t), config(newProfiles())); err != nil {
		t.Fatal(err)
	}
	if got := get(t, o, e.ID); got.State != Failed || got.LastKind != "no-profile" {
		t.Fatalf("%+v", got)
	}
}

// TestTwoRunnersDeliverOnce: two outboxes on one file running at once (as
// two processes would) deliver every message exactly once.
func TestTwoRunnersDeliverOnce(t *testing.T) {
	ctx := ctxT(t)
	dir := t.TempDir()
	var obs []*Outbox
	for range 2 {
		o, err := Open(dir, fastSettings())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { o.Close() })
		obs = append(obs, o)
	}
	srv := smtptest.Start(t, smtptest.Config{})
	srv2 := smtptest.Start(t, smtptest.Config{})
	cfg := config(newProfiles(plainProfile("p", srv.Port), plainProfile("q", srv2.Port)))
	const n = 40
	for i := range n {
		p := "p"
		if i%2 == 1 {
			p = "q"
		}
		enqueue(t, obs[0], testMessage(p, i))
	}
	var wg sync.WaitGroup
	for _, o := range obs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := o.Run(ctx, cfg); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	counts := byMessageID(append(srv.Messages(), srv2.Messages()...))
	if len(counts) != n {
		t.Fatalf("%d distinct messages delivered, want %d", len(counts), n)
	}
	for id, c := range counts {
		if c != 1 {
			t.Fatalf("%s delivered %d times", id, c)
		}
	}
}

// TestReclaim: a message left "sending" by a process that is gone is taken
// back at once; one held by a live process on another host only when its
// lease expires.
func TestReclaim(t *testing.T) {
	ctx := ctxT(t)
	o := openTest(t, fastSettings())
	srv := smtptest.Start(t, smtptest.Config{})
	cfg := config(newProfiles(plainProfile("p", srv.Port)))
	dead := self()
	dead.Start++ // our PID, another start time: a reused PID
	elsewhere := self()
	elsewhere.Host = "other-host"
	future := ms(time.Now().Add(time.Hour))
	set := func(id string, ow owner, until int64) {
		if _, err := o.db.Exec("UPDATE messages SET state='sending', attempts=1, lease_owner=?, lease_until=? WHERE id=?", ow.String(), until, id); err != nil {
			t.Fatal(err)
		}
	}
	a := enqueue(t, o, testMessage("p", 1))
	b := enqueue(t, o, testMessage("p", 2))
	c := enqueue(t, o, testMessage("p", 3))
	set(a.ID, dead, future)
	set(b.ID, elsewhere, future)
	set(c.ID, elsewhere, ms(time.Now().Add(-time.Second)))

	if err := o.Delete(ctx, b.ID); !errors.Is(err, ErrBusy) {
		t.Fatalf("delete of a held message: %v", err)
	}
	if _, err := o.Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if e := get(t, o, a.ID); e.State != Sent || e.Attempts != 2 {
		t.Fatalf("dead owner's message: %+v", e)
	}
	if e := get(t, o, b.ID); e.State != Sending {
		t.Fatalf("live lease was broken: %+v", e)
	}
	if e := get(t, o, c.ID); e.State != Sent {
		t.Fatalf("expired lease not taken: %+v", e)
	}
}

// TestRunStopsCleanly: cancelling a run mid-send leaves the message due
// again, not failed, and not stuck "sending".
func TestRunStopsCleanly(t *testing.T) {
	o := openTest(t, fastSettings())
	srv := smtptest.Start(t, smtptest.Config{StallAt: smtptest.StallData})
	p := plainProfile("p", srv.Port)
	p.Timeout = smtp.Duration(30 * time.Second)
	cfg := config(newProfiles(p))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg.OnEvent = func(e Event) {
		if e.Kind == EventSending {
			time.AfterFunc(200*time.Millisecond, cancel)
		}
	}
	e := enqueue(t, o, testMessage("p", 1))
	start := time.Now()
	_, err := o.Run(ctx, cfg)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("Run: %v after %s", err, time.Since(start))
	}
	got := get(t, o, e.ID)
	if got.State != Deferred || got.LastKind != "interrupted" || got.NextAttempt.After(time.Now()) {
		t.Fatalf("%+v", got)
	}
}

// TestLeaseCutsSlowSend: a send that would outlast the lease is cut off
// before it, so no other runner can take the message while it may still be
// delivered.
func TestLeaseCutsSlowSend(t *testing.T) {
	s := fastSettings()
	s.LeaseDuration = Duration(time.Second)
	o := openTest(t, s)
	srv := smtptest.Start(t, smtptest.Config{StallAt: smtptest.StallData})
	p := plainProfile("p", srv.Port)
	p.Timeout = smtp.Duration(30 * time.Second)
	e := enqueue(t, o, testMessage("p", 1))
	start := time.Now()
	if _, err := o.Run(ctxT(t), config(newProfiles(p))); err != nil {
		t.Fatal(err)
	}
	got := get(t, o, e.ID)
	if took := time.Since(start); took > 2*time.Second || got.State != Deferred || got.LastKind != "timeout" {
		t.Fatalf("after %s: %+v", took, got)
	}
}

// TestWorker: the worker delivers what is enqueued at once, retries on its
// own after a temporary failure, and reports the final outcomes.
func TestWorker(t *testing.T) {
	o := openTest(t, fastSettings())
	srv := smtptest.Start(t, smtptest.Config{FailRcpt: &smtptest.Reply{Code: 451, Message: "later"}})
	cfg := config(newProfiles(plainProfile("p", srv.Port)))
	events := make(chan Event, 100)
	cfg.OnEvent = func(e Event) { events <- e }
	w := o.NewWorker(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	wait := func(kind EventKind) Event {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case e := <-events:
				if e.Kind == kind {
					return e
				}
			case <-timeout:
				t.Fatalf("no %s event", kind)
			}
		}
	}
	e := enqueue(t, o, testMessage("p", 1))
	if ev := wait(EventDeferred); ev.ID != e.ID || ev.Code != 451 || ev.Final() {
		t.Fatalf("%+v", ev)
	}
	srv.Set(func(c *smtptest.Config) { c.FailRcpt = nil })
	if ev := wait(EventSent); ev.ID != e.ID || !ev.Final() || ev.Attempts < 2 {
		t.Fatalf("%+v", ev)
	}
	// A permanent failure is final too.
	srv.Set(func(c *smtptest.Config) {
		c.FailRcpt = &smtptest.Reply{Code: 550, Enhanced: "5.1.1", Message: "no such user"}
	})
	w.Wake()
	f := enqueue(t, o, testMessage("p", 2))
	if ev := wait(EventFailed); ev.ID != f.ID || ev.Hint == "" {
		t.Fatalf("%+v", ev)
	}
	c, err := o.Counts(context.Background())
	if err != nil || c.Sent != 1 || c.Failed != 1 || c.Waiting() != 0 {
		t.Fatalf("counts %+v %v", c, err)
	}
}
