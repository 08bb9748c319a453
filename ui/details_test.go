//go:build !nogui

package ui

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
)

// closedPort is a port on 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// wantTechnicalDetails checks that line sits in a closed, muted "Details"
// expander that is shown.
func wantTechnicalDetails(t *testing.T, d *technicalDetails, line string) {
	t.Helper()
	if !d.box.Visible() || !strings.Contains(d.text.Text, line) {
		t.Fatalf("details: visible %v, text %q, want %q", d.box.Visible(), d.text.Text, line)
	}
	if len(d.box.Items) != 1 || d.box.Items[0].Title != "Details" || d.box.Items[0].Open {
		t.Errorf("the details are not a closed \"Details\" expander")
	}
	if d.text.Importance != widget.LowImportance || !d.text.TextStyle.Monospace {
		t.Error("the technical line is not muted")
	}
}

// A connection refused shows its hint; the Go error line is behind
// "Details", not a second headline.
func TestSendTechnicalErrorIsBehindDetails(t *testing.T) {
	h := newHarness(t)
	walkCustom(h, closedPort(t), "None", "")
	ts := h.wizard().test
	test.Tap(ts.sendBtn)
	h.waitFor("the failure", 10*time.Second, func() bool { return !ts.running })
	if ts.resultTitle.Text != "Failed at: Connect" || ts.resultText.Text == "" {
		t.Fatalf("result = %q (%q)", ts.resultTitle.Text, ts.resultText.Text)
	}
	if ts.resultReply.Visible() {
		t.Errorf("the error line is shown as a headline: %q", ts.resultReply.Text)
	}
	wantTechnicalDetails(t, ts.resultMore, "refused")

	// A later success hides the details again.
	ts.resultMore.set("x")
	ts.showResult(nil, "ok", "ok", "")
	if ts.resultMore.box.Visible() {
		t.Error("the details of the last failure stay under a new result")
	}
}

// The outbox puts a technical error behind "Details" and says when the
// next try is as a person would.
func TestOutboxDetailsAndWording(t *testing.T) {
	dir := outboxDir(t, "10m")
	p := smtp.Profile{Name: "relay", Host: "127.0.0.1", Port: closedPort(t), Security: smtp.SecurityNone, Auth: smtp.AuthNone, From: "ann@example.com"}
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
	raw := "dial tcp 127.0.0.1:1025: connect: connection refused"
	if _, err := o.EnqueueAttempted(context.Background(), queue.FromTest(p.Name, msg), queue.Attempt{
		Stage: smtp.StageConnect, Kind: "refused", Error: raw, Hint: "Nothing answers on that port."}); err != nil {
		t.Fatal(err)
	}
	o.Close()

	h := newHarness(t, withDir(dir))
	v := h.m.outboxView
	h.m.showOutbox()
	h.waitFor("the deferred entry in detail", 5*time.Second, func() bool { return h.m.outbox.counts.Deferred == 1 && v.detail.Visible() })
	if v.reply.Visible() {
		t.Errorf("the error line is shown as a headline: %q", v.reply.Text)
	}
	wantTechnicalDetails(t, v.more, raw)
	if !strings.HasPrefix(v.stateText.Text, "Will try again in 10 min (at ") {
		t.Errorf("state = %q", v.stateText.Text)
	}

	now := time.Date(2026, 3, 4, 23, 35, 7, 0, time.Local)
	for _, tc := range []struct {
		e    queue.Entry
		want string
	}{
		{queue.Entry{State: queue.Deferred, NextAttempt: now.Add(53 * time.Second)}, "Will try again in 53 s (at 23:36)."},
		{queue.Entry{State: queue.Deferred, NextAttempt: now}, "Will try again now."},
		{queue.Entry{State: queue.Queued, NextAttempt: now.Add(4 * time.Minute)}, "Will be sent in 4 min (at 23:39)."},
	} {
		if got := stateSentence(tc.e, now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.e.State, got, tc.want)
		}
	}
}
