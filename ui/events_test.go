//go:build !nogui

package ui

import (
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
)

// Saving in the setup shows the profile in the list, selected, and
// remembers it for the next start (profileSaved).
func TestProfileSavedUpdatesTheList(t *testing.T) {
	h := newHarness(t)
	h.walkProvider("ann@example.com", "local")
	h.tapNext()
	if len(h.m.profiles.items) != 1 || !h.m.profiles.items[0].draft {
		t.Fatalf("before saving the list holds %+v, want the draft", h.m.profiles.items)
	}
	h.walkAccount("")
	pv := h.m.profiles
	i := pv.indexOf("Local test inbox")
	if i < 0 || pv.draftIndex() >= 0 || len(pv.items) != 1 {
		t.Fatalf("after saving the list holds %+v, want the saved profile only", pv.items)
	}
	if pv.selected != i {
		t.Errorf("selected row %d, want the saved profile (%d)", pv.selected, i)
	}
	if got := h.app.Preferences().String(prefLastProfile); got != "Local test inbox" {
		t.Errorf("last profile = %q", got)
	}
	if h.wizard().isNew || h.wizard().origName != "Local test inbox" {
		t.Error("the setup still treats the profile as new")
	}
}

// The local inbox's prepare runs in a send goroutine: it writes no
// settings and repaints nothing there. The move to the inbox's port and CA
// is saved, and shown in the open setup and the list, on the UI thread
// (profileMoved).
func TestLocalPrepareSavesOnTheUIThread(t *testing.T) {
	h := newHarness(t)
	h.walkProvider("ann@example.com", "local")
	h.tapNext()
	h.walkAccount("")
	h.q.drain()
	store := smtp.NewStore(h.dir)
	before, err := store.Get("Local test inbox")
	if err != nil {
		t.Fatal(err)
	}
	wz := h.wizard()
	draft := wz.draft

	type result struct {
		p   smtp.Profile
		err error
	}
	done := make(chan result)
	go func() { // as the test send's goroutine does
		p, err := h.m.local.prepare(draft)
		done <- result{p, err}
	}()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	srv := h.m.local.server()
	if r.p.Port != srv.Port() || r.p.CAFile != srv.CAFile() {
		t.Fatalf("prepared port=%d ca=%q, want the inbox's %d %q", r.p.Port, r.p.CAFile, srv.Port(), srv.CAFile())
	}
	if r.p.CAFile == before.CAFile {
		t.Fatalf("the profile already used the inbox's CA file %q: nothing to save", before.CAFile)
	}

	// Nothing changed yet: the UI thread has not run.
	if now, err := store.Get("Local test inbox"); err != nil || now != before {
		t.Fatalf("the send goroutine wrote the profile: %+v (%v), was %+v", now, err, before)
	}
	if wz.draft != draft {
		t.Error("the send goroutine changed the open setup")
	}
	if it := h.m.profiles.items[h.m.profiles.indexOf("Local test inbox")]; it.profile != before {
		t.Error("the send goroutine changed the list")
	}
	if h.q.pending() == 0 {
		t.Fatal("nothing was handed to the UI thread")
	}

	h.q.drain()
	now, err := store.Get("Local test inbox")
	if err != nil || now.Port != srv.Port() || now.CAFile != srv.CAFile() {
		t.Fatalf("saved profile port=%d ca=%q (%v), want %d %q", now.Port, now.CAFile, err, srv.Port(), srv.CAFile())
	}
	if wz.draft.Port != srv.Port() || wz.draft.CAFile != srv.CAFile() || wz.dirty {
		t.Errorf("open setup: port=%d ca=%q dirty %v, want the inbox's, not dirty", wz.draft.Port, wz.draft.CAFile, wz.dirty)
	}
	if it := h.m.profiles.items[h.m.profiles.indexOf("Local test inbox")]; it.profile != now {
		t.Errorf("the list shows %+v, want %+v", it.profile, now)
	}

	// Prepared again, nothing is saved twice.
	if _, err := h.m.local.prepare(wz.draft); err != nil {
		t.Fatal(err)
	}
	if n := h.q.pending(); n != 0 {
		t.Errorf("a second prepare handed %d functions to the UI thread", n)
	}
}

// Deps left empty mean the real system and timing.
func TestDepsDefaults(t *testing.T) {
	var m mainUI
	m.useSeams(Deps{})
	if m.hasCJKFont == nil || m.netState == nil || m.fontCheckSettled == nil || m.detectDelay != defaultDetectDelay || m.networkCheckEvery != defaultNetworkCheckEvery {
		t.Fatalf("defaults: font check %v, network %v, settled %v, delay %v, network check every %v", m.hasCJKFont != nil, m.netState != nil, m.fontCheckSettled != nil, m.detectDelay, m.networkCheckEvery)
	}
}
