//go:build !nogui

package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// A deferred message that the worker delivers later is announced in the
// window itself (a banner and the count on the Outbox button), whatever
// the desktop's notifications do; Show opens the outbox on that message.
func TestOutboxDeliveryIsAnnouncedInTheWindow(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{})
	dir := outboxDir(t, "1s")
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
	ctx := context.Background()
	var ids []string
	for _, to := range []string{"old@example.com", "bob@example.com"} {
		msg, err := smtp.BuildTestMessage(p, []string{to}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e, err := o.EnqueueAttempted(ctx, queue.FromTest(p.Name, msg), queue.Attempt{Stage: smtp.StageRcpt, Code: 451, Error: "451 try later"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	o.Close()

	h := newHarness(t, withDir(dir))
	b := h.m.outbox
	if b.banner.box.Visible() {
		t.Fatal("a banner shows before anything happened")
	}
	h.waitFor("both messages to be delivered", 15*time.Second, func() bool { return b.counts.Sent == 2 })
	h.waitFor("the banner", 5*time.Second, func() bool { return b.banner.box.Visible() })
	if !strings.Contains(b.banner.text.Text, "was sent from the outbox") {
		t.Errorf("banner = %q", b.banner.text.Text)
	}
	if got := h.m.profiles.outboxBtn.Text; got != "Outbox (2)" {
		t.Errorf("Outbox button = %q, want the two unseen outcomes", got)
	}
	// Show opens the outbox on the message the banner is about.
	about := b.banner.id
	test.Tap(b.banner.showBtn)
	v := h.m.outboxView
	if !h.m.showing(v.root) || b.banner.box.Visible() {
		t.Fatal("Show did not open the outbox, or the banner stayed")
	}
	h.waitFor("the announced message in detail", 5*time.Second, func() bool { return b.detail != nil && b.detail.ID == about })
	if about != ids[0] && about != ids[1] {
		t.Errorf("banner about %q, not one of %v", about, ids)
	}
	if got := h.m.profiles.outboxBtn.Text; got != "Outbox" {
		t.Errorf("Outbox button after opening the outbox = %q", got)
	}

	// The close button dismisses it.
	b.banner.announce(queue.Event{Kind: queue.EventFailed, Outcome: queue.Outcome{ID: ids[0]}}, "failed")
	test.Tap(b.banner.closeBn)
	if b.banner.box.Visible() {
		t.Error("the close button did not dismiss the banner")
	}
}
