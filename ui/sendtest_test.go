//go:build !nogui

package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/smtpconf/smtpconf/smtp"
)

// wantRows checks the state of every stage row.
func wantRows(t *testing.T, ts *testStep, want map[smtp.Stage]rowState) {
	t.Helper()
	for st, w := range want {
		r := ts.rows[st]
		if r.state != w {
			t.Errorf("stage %s is %s (%q, %q), want %s", st, r.state, r.word.Text, r.detail.Text, w)
		}
		if r.word.Text != stateWord(w) {
			t.Errorf("stage %s says %q, want %q", st, r.word.Text, stateWord(w))
		}
	}
}

func TestLocalInboxSendDelivers(t *testing.T) {
	h := newHarness(t)
	// The local test inbox is pre-selected for a first start.
	h.walkProvider("ann@example.com", "local")
	if h.wizard().draft.Preset != "local" {
		t.Fatalf("preset = %q", h.wizard().draft.Preset)
	}
	h.tapNext() // server: as the preset has it
	a := h.wizard().account
	password := a.password.entry.Text
	if password == "" || !a.generated {
		t.Fatal("no password was made up for the local test inbox")
	}
	h.walkAccount("")
	if got, err := h.keyring.Get("Local test inbox"); err != nil || got != password {
		t.Fatalf("keyring = %q, %v", got, err)
	}

	ts := h.wizard().test
	if ts.recipient.entry.Text != "ann@example.com" {
		t.Errorf("recipient = %q, want the From address", ts.recipient.entry.Text)
	}
	test.Tap(ts.sendBtn)
	h.waitFor("the test message to be delivered", 15*time.Second, func() bool { return !ts.running })

	if ts.resultTitle.Text != "Test message delivered" {
		t.Fatalf("result = %q: %q %q", ts.resultTitle.Text, ts.resultText.Text, ts.resultReply.Text)
	}
	if !strings.Contains(ts.resultText.Text, "replied: 250") {
		t.Errorf("result text = %q, want the server's reply", ts.resultText.Text)
	}
	wantRows(t, ts, map[smtp.Stage]rowState{
		smtp.StageConnect: rowOK, smtp.StageTLS: rowOK, smtp.StageEHLO: rowOK, smtp.StageAuth: rowOK,
		smtp.StageMail: rowOK, smtp.StageRcpt: rowOK, smtp.StageData: rowOK,
	})
	if d := ts.rows[smtp.StageTLS].detail.Text; !strings.Contains(d, "verified") || strings.Contains(d, "NOT VERIFIED") {
		t.Errorf("TLS detail = %q, want a verified certificate", d)
	}
	if d := ts.rows[smtp.StageAuth].detail.Text; !strings.Contains(d, "accepted") {
		t.Errorf("AUTH detail = %q", d)
	}
	tr := ts.transcript.Text
	if !strings.Contains(tr, "STARTTLS") || strings.Contains(tr, password) {
		t.Errorf("transcript shows no STARTTLS or shows the password:\n%s", tr)
	}
	if !ts.transcript.Selectable || !ts.transcript.TextStyle.Monospace {
		t.Error("the transcript is not a selectable monospace text")
	}
	test.Tap(ts.copyBtn)
	if got := h.app.Clipboard().Content(); got != tr {
		t.Error("Copy did not put the transcript on the clipboard")
	}
	if !strings.HasPrefix(ts.elapsed.Text, "Elapsed: ") {
		t.Errorf("elapsed = %q", ts.elapsed.Text)
	}

	// The profile now points at the running inbox and trusts its CA.
	srv := h.m.local.server()
	p, err := smtp.NewStore(h.dir).Get("Local test inbox")
	if err != nil || p.Port != srv.Port() || p.CAFile != srv.CAFile() {
		t.Fatalf("saved profile port=%d ca=%q (%v), want %d %q", p.Port, p.CAFile, err, srv.Port(), srv.CAFile())
	}

	// The message shows in the inbox view.
	h.waitFor("the message in the inbox", 5*time.Second, func() bool { return h.m.local.count() == 1 })
	if !strings.Contains(h.m.profiles.inboxBtn.Text, "(1)") {
		t.Errorf("inbox button = %q", h.m.profiles.inboxBtn.Text)
	}
	if !ts.openInbox.Visible() {
		t.Fatal("no way to the test inbox from a local delivery")
	}
	test.Tap(ts.openInbox)
	iv := h.m.inbox
	if h.m.wizard != nil || iv.subject.Text == "" || !iv.detail.Visible() {
		t.Fatalf("inbox not shown (subject %q)", iv.subject.Text)
	}
	msg := h.m.local.msgs[0]
	if iv.subject.Text != msg.Subject || !strings.Contains(iv.meta.Text, "ann@example.com") || !strings.Contains(iv.meta.Text, "encrypted") {
		t.Errorf("inbox shows %q / %q", iv.subject.Text, iv.meta.Text)
	}
	if !strings.Contains(iv.headers.Text, "Subject: ") || !strings.Contains(iv.headers.Text, "Message-Id: ") && !strings.Contains(iv.headers.Text, "Message-ID: ") {
		t.Errorf("headers = %q", iv.headers.Text)
	}
	if iv.text.Text == "" {
		t.Error("the message text is not shown")
	}
	test.Tap(iv.clearBtn)
	if iv.confirmDlg == nil {
		t.Fatal("Delete all did not ask")
	}
	iv.confirmDlg.Confirm()
	if h.m.local.count() != 0 || iv.detail.Visible() {
		t.Error("Delete all left messages")
	}
}

// walkCustom sets up a profile for a server on 127.0.0.1 with a password.
func walkCustom(h *harness, port int, sec, timeout string) {
	h.walkProvider("ann@example.com", "custom")
	h.walkServer(port, sec, timeout)
	h.walkAccount("secret-password")
}

func TestSendAuthFailureShowsHintAndReply(t *testing.T) {
	f := startFakeSMTP(t, true)
	h := newHarness(t)
	walkCustom(h, f.port, "None", "")
	ts := h.wizard().test

	test.Tap(ts.sendBtn)
	h.waitFor("the failure", 10*time.Second, func() bool { return !ts.running })

	if ts.resultTitle.Text != "Failed at: Sign-in (AUTH)" {
		t.Fatalf("result = %q (%q)", ts.resultTitle.Text, ts.resultText.Text)
	}
	if !strings.Contains(ts.resultReply.Text, "535") || !strings.Contains(ts.resultReply.Text, "5.7.8") {
		t.Errorf("server reply shown = %q", ts.resultReply.Text)
	}
	if ts.resultText.Text == "" {
		t.Error("no hint shown")
	}
	wantRows(t, ts, map[smtp.Stage]rowState{
		smtp.StageConnect: rowOK, smtp.StageTLS: rowSkipped, smtp.StageEHLO: rowOK, smtp.StageAuth: rowFailed,
		smtp.StageMail: rowNotReached, smtp.StageRcpt: rowNotReached, smtp.StageData: rowNotReached,
	})
	if strings.Contains(ts.transcript.Text, "secret-password") {
		t.Error("the transcript shows the password")
	}
	if f.received() != 0 {
		t.Error("a message was delivered despite the refused login")
	}
	if !ts.fixBtn.Visible() || ts.fixBtn.Text != "Change the sign-in details" {
		t.Fatalf("fix button = %q (visible %v)", ts.fixBtn.Text, ts.fixBtn.Visible())
	}
	// The buttons are usable again.
	if ts.sendBtn.Disabled() || !ts.cancelBtn.Disabled() {
		t.Error("buttons not reset after the failure")
	}
	test.Tap(ts.fixBtn)
	if h.stepID() != stepAccount {
		t.Errorf("the fix button opened %q, want the account step", h.stepID())
	}
}

func TestSendTimeoutShowsHint(t *testing.T) {
	port := startStall(t)
	h := newHarness(t)
	walkCustom(h, port, "STARTTLS", "1")
	ts := h.wizard().test

	test.Tap(ts.sendBtn)
	h.waitFor("the timeout", 10*time.Second, func() bool { return !ts.running })

	if ts.resultTitle.Text != "Failed at: Connect" {
		t.Fatalf("result = %q (%q)", ts.resultTitle.Text, ts.resultText.Text)
	}
	if !strings.Contains(ts.resultText.Text, "No answer from 127.0.0.1") {
		t.Errorf("hint = %q", ts.resultText.Text)
	}
	wantRows(t, ts, map[smtp.Stage]rowState{smtp.StageConnect: rowFailed, smtp.StageEHLO: rowNotReached})
	if ts.fixBtn.Text != "Change the server settings" {
		t.Errorf("fix button = %q", ts.fixBtn.Text)
	}
}

func TestCheckConnectionSendsNothing(t *testing.T) {
	f := startFakeSMTP(t, false)
	h := newHarness(t)
	walkCustom(h, f.port, "None", "")
	ts := h.wizard().test

	test.Tap(ts.checkBtn)
	h.waitFor("the check", 10*time.Second, func() bool { return !ts.running })
	if ts.resultTitle.Text != "Connection works" {
		t.Fatalf("result = %q (%q)", ts.resultTitle.Text, ts.resultText.Text)
	}
	if ts.rows[smtp.StageMail].box.Visible() {
		t.Error("the check shows the sending stages")
	}
	wantRows(t, ts, map[smtp.Stage]rowState{smtp.StageConnect: rowOK, smtp.StageAuth: rowOK})
	if f.received() != 0 {
		t.Error("Check connection sent a message")
	}

	test.Tap(ts.sendBtn)
	h.waitFor("the send", 10*time.Second, func() bool { return !ts.running })
	if ts.resultTitle.Text != "Test message delivered" || f.received() != 1 {
		t.Fatalf("result = %q, server got %d messages", ts.resultTitle.Text, f.received())
	}
}

// The required stall test: a server that accepts and never greets. The Send
// handler must return at once, the connect stage must show that it is
// connecting, and Cancel must end it, all within a few seconds.
func TestSendToStalledServerReturnsAtOnceAndCancels(t *testing.T) {
	port := startStall(t)
	h := newHarness(t)
	walkCustom(h, port, "STARTTLS", "")
	ts := h.wizard().test
	connect := ts.rows[smtp.StageConnect]

	began := time.Now()
	test.Tap(ts.sendBtn)
	took := time.Since(began)
	if took > 100*time.Millisecond {
		t.Fatalf("the Send handler took %s: it must not wait for the network", took)
	}
	if connect.state != rowWaiting {
		t.Fatalf("the connect stage changed (%s) before the handler returned: the UI thread did network work", connect.state)
	}
	if !ts.running || !ts.sendBtn.Disabled() || ts.cancelBtn.Disabled() {
		t.Fatal("while sending, Send should be disabled and Cancel enabled")
	}

	h.waitFor("the connect stage to run", 3*time.Second, func() bool { return connect.state == rowRunning })
	if !strings.Contains(connect.detail.Text, "Connecting to 127.0.0.1:") || connect.word.Text != "Running" {
		t.Fatalf("connect stage shows %q %q", connect.word.Text, connect.detail.Text)
	}
	if !connect.spin.Visible() || connect.icon.Visible() {
		t.Error("no spinner on the running stage")
	}
	// Still hanging a little later, and the window keeps working: its own
	// clock shows the send has lasted 300 ms.
	h.waitFor("300 ms of the stalled send", 5*time.Second, func() bool { return !ts.running || elapsedMS(ts) >= 300 })
	if connect.state != rowRunning || !ts.running {
		t.Fatalf("stage %s, running %v: the stalled server should still hang", connect.state, ts.running)
	}
	if !strings.HasPrefix(ts.elapsed.Text, "Elapsed: ") || !strings.HasSuffix(ts.elapsed.Text, " ms") {
		t.Errorf("elapsed = %q", ts.elapsed.Text)
	}

	cancelled := time.Now()
	test.Tap(ts.cancelBtn)
	h.waitFor("the cancellation", 3*time.Second, func() bool { return !ts.running })
	if d := time.Since(cancelled); d > 2*time.Second {
		t.Errorf("Cancel took %s", d)
	}
	if ts.resultTitle.Text != "Cancelled" {
		t.Fatalf("result = %q (%q)", ts.resultTitle.Text, ts.resultText.Text)
	}
	wantRows(t, ts, map[smtp.Stage]rowState{smtp.StageConnect: rowCancelled, smtp.StageEHLO: rowNotReached})
	if ts.sendBtn.Disabled() || !ts.cancelBtn.Disabled() {
		t.Error("buttons not reset after Cancel")
	}
	if total := time.Since(began); total > 5*time.Second {
		t.Errorf("the whole stall test took %s", total)
	}
}

// elapsedMS is the time the Test step shows, in milliseconds (-1 if it shows
// none, or seconds).
func elapsedMS(ts *testStep) int {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(ts.elapsed.Text, "Elapsed: "), " ms"))
	if err != nil {
		return -1
	}
	return n
}
