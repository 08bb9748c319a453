//go:build !nogui

package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// A message the local test inbox received is still listed after a restart,
// before the inbox runs again; Delete all asks, then empties it for good.
func TestLocalInboxKeepsMessagesAcrossRestart(t *testing.T) {
	h := newHarness(t)
	ts := walkLocalToTest(h)
	test.Tap(ts.sendBtn)
	h.waitFor("the test message to be delivered", 15*time.Second, func() bool { return !ts.running && h.m.local.count() == 1 })
	subject := h.m.local.msgs[0].Subject

	h.m.shutdown()
	h.q.drain()
	h.open()
	l := h.m.local
	h.waitFor("the stored message to be listed", 5*time.Second, func() bool { return l.count() == 1 })
	if l.server() != nil {
		t.Error("the inbox started by itself")
	}
	if got := h.m.profiles.inboxBtn.Text; got != "Test inbox (1)" {
		t.Errorf("inbox button = %q", got)
	}
	h.m.showInbox()
	iv := h.m.inbox
	if iv.subject.Text != subject || !iv.detail.Visible() {
		t.Fatalf("inbox shows %q, want %q", iv.subject.Text, subject)
	}

	// Delete all asks; Cancel keeps the messages.
	test.Tap(iv.clearBtn)
	if iv.confirmDlg == nil {
		t.Fatal("Delete all did not ask")
	}
	iv.confirmDlg.Dismiss()
	if l.count() != 1 {
		t.Fatal("cancelling Delete all deleted the messages")
	}
	test.Tap(iv.clearBtn)
	iv.confirmDlg.Confirm()
	l.clearing.Wait()
	if l.count() != 0 || iv.detail.Visible() {
		t.Error("Delete all left messages")
	}

	h.m.shutdown()
	h.q.drain()
	h.open()
	time.Sleep(100 * time.Millisecond)
	h.q.drain()
	if n := h.m.local.count(); n != 0 {
		t.Errorf("%d messages after Delete all and a restart", n)
	}
}
