//go:build !nogui

package ui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// outboxDir is a config directory whose outbox retries after first (and
// looks for other processes' work every 200 ms).
func outboxDir(t *testing.T, first string) string {
	t.Helper()
	dir := t.TempDir()
	settings := `{"schedule": {"first": "` + first + `", "max": "1h", "jitter": 0}, "poll": "200ms"}`
	if err := os.WriteFile(filepath.Join(dir, queue.SettingsFile), []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// rowTexts draws list row i of the Outbox view and returns its texts.
func rowTexts(t *testing.T, v *outboxView, i int) []string {
	t.Helper()
	obj := v.list.CreateItem()
	v.list.UpdateItem(i, obj)
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case *container.ThemeOverride:
			walk(w.Content)
		}
	}
	walk(obj)
	return out
}

func TestOutboxQueuesTemporaryFailureAndDeliversOnRetry(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{
		Users:             map[string]string{"ann@example.com": "secret-password"},
		AllowInsecureAuth: true,
		FailRcpt:          &smtptest.Reply{Code: 451, Enhanced: "4.7.1", Message: "Greylisted, please try again later"},
	})
	h := newHarness(t, withDir(outboxDir(t, "10m")))
	if !h.m.outbox.available() {
		t.Fatalf("the outbox did not open: %v", h.m.outbox.openErr)
	}
	walkCustom(h, srv.Port, "None", "")
	ts := h.wizard().test

	// The test send meets 451 at RCPT: it is queued, and the Test step says so.
	began := time.Now()
	test.Tap(ts.sendBtn)
	h.waitFor("the test send", 10*time.Second, func() bool { return !ts.running })
	if ts.resultTitle.Text != "Failed at: Recipient (RCPT TO)" {
		t.Fatalf("result = %q (%q)", ts.resultTitle.Text, ts.resultText.Text)
	}
	if !ts.queuedRow.Visible() || !strings.HasPrefix(ts.queuedText.Text, "Queued: will retry at ") {
		t.Fatalf("queued note = %q (visible %v)", ts.queuedText.Text, ts.queuedRow.Visible())
	}
	// Ten minutes after the attempt, in local time.
	for _, at := range []time.Time{began.Add(10 * time.Minute), time.Now().Add(10 * time.Minute)} {
		if strings.Contains(ts.queuedText.Text, at.Format("15:04")) {
			goto timeOK
		}
	}
	t.Errorf("queued note %q does not give the retry time", ts.queuedText.Text)
timeOK:
	if !ts.openOutbox.Visible() {
		t.Fatal("no way to the outbox from the queued note")
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("the server accepted a message despite 451")
	}

	pv := h.m.profiles
	h.waitFor("the waiting count on the Outbox button", 5*time.Second, func() bool { return pv.outboxBtn.Text == "Outbox (1)" })

	// The Outbox view lists it as deferred.
	test.Tap(ts.openOutbox)
	v := h.m.outboxView
	if h.m.wizard != nil || !h.m.showing(v.root) {
		t.Fatal("Open the outbox did not show the Outbox view")
	}
	b := h.m.outbox
	h.waitFor("the entry with its transcript", 5*time.Second, func() bool {
		return len(b.entries) == 1 && b.detail != nil && v.trBox.Visible()
	})
	e := b.entries[0]
	if e.State != queue.Deferred || e.Attempts != 1 || e.LastCode != 451 {
		t.Fatalf("entry = %s, %d attempts, code %d", e.State, e.Attempts, e.LastCode)
	}
	row := strings.Join(rowTexts(t, v, 0), " | ")
	for _, want := range []string{"Deferred", "ann@example.com", "in 10 min", e.Subject, "1 attempt", "451 4.7.1 Greylisted"} {
		if !strings.Contains(row, want) {
			t.Errorf("the list row %q lacks %q", row, want)
		}
	}
	if !strings.HasPrefix(v.stateText.Text, "Will try again in 10 min (at ") {
		t.Errorf("state = %q", v.stateText.Text)
	}
	if v.hint.Text == "" || !v.hint.Visible() {
		t.Error("no hint in the details")
	}
	if !strings.Contains(v.where.Text, "Recipient (RCPT TO)") || !strings.Contains(v.where.Text, "451 4.7.1") {
		t.Errorf("stage and code = %q", v.where.Text)
	}
	if !strings.Contains(v.transcript.Text, "RCPT TO") || strings.Contains(v.transcript.Text, "secret-password") {
		t.Errorf("transcript = %q", v.transcript.Text)
	}
	if !v.transcript.Selectable || !v.transcript.TextStyle.Monospace {
		t.Error("the transcript is not a selectable monospace text")
	}
	if v.retryBtn.Disabled() || v.deleteBtn.Disabled() || v.retryAll.Disabled() {
		t.Error("Retry now, Delete or Retry all is disabled for a deferred message")
	}
	if !strings.Contains(v.summary.Text, "1 waiting") {
		t.Errorf("summary = %q", v.summary.Text)
	}

	// The server now accepts; Retry now sends it at once.
	srv.Set(func(c *smtptest.Config) { c.FailRcpt = nil })
	test.Tap(v.retryBtn)
	h.waitFor("the retried message to be sent", 10*time.Second, func() bool {
		return len(b.entries) == 1 && b.entries[0].State == queue.Sent
	})
	msgs := srv.Messages()
	if len(msgs) != 1 || !bytes.Contains(msgs[0].Data, []byte(e.MessageID)) {
		t.Fatalf("server got %d messages, want the queued one with Message-ID %s", len(msgs), e.MessageID)
	}
	h.waitFor("the Outbox button to show no waiting message", 5*time.Second, func() bool { return pv.outboxBtn.Text == "Outbox" })
	if row := strings.Join(rowTexts(t, v, 0), " | "); !strings.Contains(row, "Sent") || !strings.Contains(row, "2 attempts") {
		t.Errorf("the list row after delivery = %q", row)
	}
	h.waitFor("the details to show the delivery", 5*time.Second, func() bool { return strings.HasPrefix(v.stateText.Text, "Sent: delivered at ") })
	if v.errorBox.Visible() || !v.retryBtn.Disabled() {
		t.Error("a sent message still shows its old error, or can be retried")
	}
	if len(b.notified) != 1 || b.notified[0].Title != "Message delivered" || !strings.Contains(b.notified[0].Content, "ann@example.com") {
		t.Fatalf("notifications = %v", b.notified)
	}

	// Delete asks first; Keep does nothing, Delete removes it.
	test.Tap(v.deleteBtn)
	if v.confirmDlg == nil {
		t.Fatal("Delete did not ask")
	}
	v.confirmDlg.Dismiss()
	// A Delete the answer started has returned by now.
	b.busy.Wait()
	if _, err := b.o.Get(context.Background(), e.ID); err != nil {
		t.Fatalf("dismissing the confirmation deleted the message: %v", err)
	}
	h.q.drain()
	if len(b.entries) != 1 {
		t.Fatal("dismissing the confirmation deleted the message")
	}
	v.confirmDlg = nil
	test.Tap(v.deleteBtn)
	v.confirmDlg.Confirm()
	h.waitFor("the entry to be deleted", 5*time.Second, func() bool { return len(b.entries) == 0 })
	if v.detail.Visible() || !v.empty.Visible() || !strings.HasPrefix(v.empty.Text, "The outbox is empty.") {
		t.Errorf("after deleting: detail visible %v, empty %q", v.detail.Visible(), v.empty.Text)
	}
	if h.m.lastError != "" {
		t.Errorf("an error was shown: %s", h.m.lastError)
	}
}

// When the network comes back, messages that waited because the server
// could not be reached are sent at once, not at their scheduled time.
func TestOutboxSendsAtOnceWhenNetworkComesBack(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{})
	dir := outboxDir(t, "1h")
	p := smtp.Profile{Name: "relay", Host: "127.0.0.1", Port: srv.Port, Security: smtp.SecurityNone, Auth: smtp.AuthNone, From: "ann@example.com"}
	if err := smtp.NewStore(dir).Save(p); err != nil {
		t.Fatal(err)
	}
	s, err := queue.LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	o, err := queue.Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := smtp.BuildTestMessage(p, []string{"bob@example.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e, err := o.EnqueueAttempted(context.Background(), queue.FromTest(p.Name, msg), queue.Attempt{
		Stage: smtp.StageConnect, Kind: "unreachable", Error: "connect: network is unreachable"})
	if err != nil {
		t.Fatal(err)
	}
	o.Close()

	var online atomic.Bool
	var looked atomic.Int32 // how often the window read the network
	h := &harness{t: t, q: newUIQueue(), keyring: smtp.NewSessionSecrets(), session: smtp.NewSessionSecrets(), dir: dir}
	h.app = test.NewTempApp(t)
	// The window starts offline.
	h.deps = append(h.deps, func(d *Deps) {
		d.NetworkCheckEvery = 20 * time.Millisecond
		d.NetState = func() string {
			looked.Add(1)
			if online.Load() {
				return "192.0.2.10/24"
			}
			return ""
		}
	})
	h.open()
	b := h.m.outbox
	h.waitFor("the deferred entry", 5*time.Second, func() bool { return b.counts.Deferred == 1 })
	// The watch reads the network once at its start, then at every check;
	// by its third read, it has handled the second (offline, like the
	// first): had it taken that for the network coming back, the message
	// would have been made due again.
	h.waitFor("the network watch to look twice while offline", 5*time.Second, func() bool { return looked.Load() >= 3 })
	if got, err := b.o.Get(context.Background(), e.ID); err != nil || got.State != queue.Deferred || got.Attempts != 1 {
		t.Fatalf("the message was retried while offline: %+v %v", got, err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("the message was sent before its time while offline")
	}
	online.Store(true)
	h.waitFor("the message to be sent once the network is back", 5*time.Second, func() bool { return b.counts.Sent == 1 })
	if len(srv.Messages()) != 1 {
		t.Fatalf("server got %d messages", len(srv.Messages()))
	}
	// Nothing waits; the delivery is not seen yet (the outbox is not shown).
	if h.m.profiles.outboxBtn.Text != "Outbox (1)" {
		t.Errorf("Outbox button = %q", h.m.profiles.outboxBtn.Text)
	}
}

// A corrupt outbox is reported once, in the Outbox view with its hint; the
// rest of the window works, and a temporary failure says it was not queued.
func TestOutboxUnavailableKeepsTheAppWorking(t *testing.T) {
	dir := t.TempDir()
	junk := bytes.Repeat([]byte("not a database "), 500)
	if err := os.WriteFile(filepath.Join(dir, queue.FileName), junk, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t, smtptest.Config{
		Users:             map[string]string{"ann@example.com": "secret-password"},
		AllowInsecureAuth: true,
		FailRcpt:          &smtptest.Reply{Code: 451, Enhanced: "4.7.1", Message: "Try again later"},
	})
	h := newHarness(t, withDir(dir))
	b := h.m.outbox
	var oe *queue.OpenError
	if b.available() || !errors.As(b.openErr, &oe) {
		t.Fatalf("open error = %v", b.openErr)
	}
	walkCustom(h, srv.Port, "None", "")
	ts := h.wizard().test
	test.Tap(ts.sendBtn)
	h.waitFor("the test send", 10*time.Second, func() bool { return !ts.running })
	if !strings.HasPrefix(ts.queuedText.Text, "Not queued: ") || !strings.Contains(ts.queuedMore.Text, "left exactly as it is") {
		t.Fatalf("queued note = %q %q", ts.queuedText.Text, ts.queuedMore.Text)
	}
	test.Tap(ts.openOutbox)
	v := h.m.outboxView
	if !h.m.showing(v.root) || !v.status.box.Visible() {
		t.Fatal("the Outbox view does not show the problem")
	}
	if !strings.Contains(v.status.text.Text, "cannot be opened") || !strings.Contains(v.status.text.Text, oe.Hint()) {
		t.Errorf("status = %q", v.status.text.Text)
	}
	if !v.retryAll.Disabled() || v.detail.Visible() {
		t.Error("Retry all is usable, or details shown, without an outbox")
	}
	if h.m.lastError != "" {
		t.Errorf("a dialog was shown as well: %s", h.m.lastError)
	}
	data, err := os.ReadFile(filepath.Join(dir, queue.FileName))
	if err != nil || !bytes.Equal(data, junk) {
		t.Error("the corrupt outbox was changed")
	}
}

func TestOutboxBusyAndWordsArePlain(t *testing.T) {
	err := plainOutboxError(errors.Join(queue.ErrBusy, errors.New("held by pid 1")))
	if err.Error() != "The message is being sent right now. Wait until the attempt is over, then try again." {
		t.Errorf("busy = %q", err)
	}
	now := time.Date(2026, 3, 4, 14, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		e    queue.Entry
		want string
	}{
		{queue.Entry{State: queue.Deferred, NextAttempt: now.Add(4 * time.Minute)}, "in 4 min"},
		{queue.Entry{State: queue.Deferred, NextAttempt: now.Add(40 * time.Second)}, "in 40 s"},
		{queue.Entry{State: queue.Queued, NextAttempt: now}, "now"},
		{queue.Entry{State: queue.Deferred, NextAttempt: now.Add(3 * time.Hour)}, "in 3 h"},
		{queue.Entry{State: queue.Sent, SentAt: now.Add(-time.Hour)}, "sent 13:00"},
		{queue.Entry{State: queue.Sending}, "sending now"},
	} {
		if got := nextWords(tc.e, now); got != tc.want {
			t.Errorf("%s: next = %q, want %q", tc.e.State, got, tc.want)
		}
	}
}

// A message that fails for good on its retry is reported as failed, with a
// notification; an invalid settings file is pointed out and the defaults used.
func TestOutboxPermanentFailureNotifiesAndBadSettingsAreShown(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{FailRcpt: &smtptest.Reply{Code: 550, Enhanced: "5.1.1", Message: "No such user"}})
	dir := t.TempDir()
	p := smtp.Profile{Name: "relay", Host: "127.0.0.1", Port: srv.Port, Security: smtp.SecurityNone, Auth: smtp.AuthNone, From: "ann@example.com"}
	if err := smtp.NewStore(dir).Save(p); err != nil {
		t.Fatal(err)
	}
	o, err := queue.Open(dir, queue.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := smtp.BuildTestMessage(p, []string{"nobody@example.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.EnqueueAttempted(context.Background(), queue.FromTest(p.Name, msg), queue.Attempt{
		Stage: smtp.StageRcpt, Code: 451, Error: "451 try later"}); err != nil {
		t.Fatal(err)
	}
	o.Close()
	if err := os.WriteFile(filepath.Join(dir, queue.SettingsFile), []byte(`{"schedule": {"first": "soon"}}`), 0o600); err != nil {
		t.Fatal(err)
	}

	h := newHarness(t, withDir(dir))
	b, v := h.m.outbox, h.m.outboxView
	h.m.showOutbox()
	if !v.status.box.Visible() || !strings.Contains(v.status.text.Text, "settings file is invalid") {
		t.Errorf("status = %q (visible %v)", v.status.text.Text, v.status.box.Visible())
	}
	h.waitFor("the deferred entry", 5*time.Second, func() bool { return b.counts.Deferred == 1 && !v.retryAll.Disabled() })
	test.Tap(v.retryAll)
	h.waitFor("the message to fail", 10*time.Second, func() bool { return b.counts.Failed == 1 })
	if len(b.notified) != 1 || b.notified[0].Title != "Message not delivered" || !strings.Contains(b.notified[0].Content, "550") {
		t.Fatalf("notifications = %+v", b.notified)
	}
	h.waitFor("the failed entry in detail", 5*time.Second, func() bool { return strings.HasPrefix(v.stateText.Text, "Failed: ") })
	if !strings.Contains(v.reply.Text, "550 5.1.1") || v.retryBtn.Disabled() {
		t.Errorf("details: reply %q, retry disabled %v", v.reply.Text, v.retryBtn.Disabled())
	}
	if h.m.profiles.outboxBtn.Text != "Outbox" {
		t.Errorf("Outbox button = %q", h.m.profiles.outboxBtn.Text)
	}
}

// Deleting a message while it is being sent is refused with a plain sentence.
func TestOutboxDeleteWhileSendingSaysBusy(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{StallAt: smtptest.StallData})
	dir := outboxDir(t, "1h")
	p := smtp.Profile{Name: "relay", Host: "127.0.0.1", Port: srv.Port, Security: smtp.SecurityNone, Auth: smtp.AuthNone, From: "ann@example.com"}
	if err := smtp.NewStore(dir).Save(p); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, withDir(dir))
	b, v := h.m.outbox, h.m.outboxView
	msg, err := smtp.BuildTestMessage(p, []string{"bob@example.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.o.Enqueue(context.Background(), queue.FromTest(p.Name, msg)); err != nil {
		t.Fatal(err)
	}
	h.m.showOutbox()
	h.waitFor("the message being sent", 5*time.Second, func() bool {
		return len(b.entries) == 1 && b.entries[0].State == queue.Sending && strings.HasPrefix(v.stateText.Text, "Sending")
	})
	if !v.deleteBtn.Disabled() || !v.retryBtn.Disabled() {
		t.Error("Delete or Retry now is enabled while the message is being sent")
	}
	// A click that raced with the worker's claim.
	v.onDelete()
	v.confirmDlg.Confirm()
	h.waitFor("the refusal", 5*time.Second, func() bool { return h.m.lastError != "" })
	if h.m.lastError != "The message could not be deleted: The message is being sent right now. Wait until the attempt is over, then try again." {
		t.Errorf("error shown = %q", h.m.lastError)
	}
	if len(b.entries) != 1 {
		t.Error("the message was deleted while being sent")
	}
}

// TestOpenOutboxSelectsTheQueuedMessage: after a second queued failure, "Open
// the outbox" shows the message just queued, not the one selected before.
func TestOpenOutboxSelectsTheQueuedMessage(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{
		Users:             map[string]string{"ann@example.com": "secret-password"},
		AllowInsecureAuth: true,
		FailRcpt:          &smtptest.Reply{Code: 451, Enhanced: "4.7.1", Message: "Try again later"},
	})
	h := newHarness(t, withDir(outboxDir(t, "10m")))
	if !h.m.outbox.available() {
		t.Fatalf("the outbox did not open: %v", h.m.outbox.openErr)
	}
	walkCustom(h, srv.Port, "None", "")
	v, b := h.m.outboxView, h.m.outbox
	sendQueued := func() string {
		t.Helper()
		ts := h.wizard().test
		test.Tap(ts.sendBtn)
		h.waitFor("the test send", 10*time.Second, func() bool { return !ts.running })
		if !ts.queuedRow.Visible() || ts.queuedEntry.ID == "" {
			t.Fatalf("not queued: %q (%q)", ts.resultTitle.Text, ts.resultText.Text)
		}
		id := ts.queuedEntry.ID
		test.Tap(ts.openOutbox)
		if !h.m.showing(v.root) {
			t.Fatal("Open the outbox did not show the Outbox view")
		}
		if got := b.selected.Load().(string); got != id {
			t.Fatalf("the outbox selects %q, want the message just queued (%q)", got, id)
		}
		return id
	}
	first := sendQueued()
	h.waitFor("the first entry", 5*time.Second, func() bool { return len(b.entries) == 1 })

	h.m.profiles.list.Select(0)
	if h.stepID() != stepTest {
		t.Fatalf("the profile opened on %q", h.stepID())
	}
	second := sendQueued()
	if second == first {
		t.Fatal("the second send was not queued as a new message")
	}
	h.waitFor("both entries", 5*time.Second, func() bool { return len(b.entries) == 2 })
	if got := b.selected.Load().(string); got != second {
		t.Fatalf("after the outbox was read, %q is selected, want %q", got, second)
	}
	if !v.detail.Visible() {
		t.Error("the details of the queued message are not shown")
	}
}
