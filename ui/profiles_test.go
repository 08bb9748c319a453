//go:build !nogui

package ui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/smtpconf/smtpconf/smtp"
)

// seed saves profiles (with passwords) before the window opens.
func seed(t *testing.T, dir string, kr smtp.SecretStore, names ...string) {
	t.Helper()
	st := smtp.NewStore(dir)
	for _, n := range names {
		p := smtp.Profile{Name: n, Preset: "custom", Host: "mail.example.com", Port: 587,
			Security: smtp.SecuritySTARTTLS, Auth: smtp.AuthAuto, Username: n + "@example.com", From: n + "@example.com"}
		if err := st.Save(p); err != nil {
			t.Fatal(err)
		}
		if err := kr.Set(n, "pw-"+n); err != nil {
			t.Fatal(err)
		}
	}
}

func (h *harness) selectProfile(name string) {
	h.t.Helper()
	i := h.m.profiles.indexOf(name)
	if i < 0 {
		h.t.Fatalf("profile %q is not in the list", name)
	}
	h.m.profiles.list.Select(i)
	if h.wizard().origName != name {
		h.t.Fatalf("selecting %q opened %q", name, h.wizard().origName)
	}
}

func TestRenameMovesProfileAndSecret(t *testing.T) {
	kr := smtp.NewSessionSecrets()
	dir := t.TempDir()
	seed(t, dir, kr, "home", "work")
	h := newHarness(t, withDir(dir), withKeyring(kr))
	pv := h.m.profiles
	h.selectProfile("work")

	test.Tap(pv.renameBtn)
	if pv.renameDlg == nil {
		t.Fatal("Rename opened no dialog")
	}
	typeInto(pv.renameEntry, "Home")
	if pv.renameEntry.Validate() == nil {
		t.Error("renaming to a name that differs only in case is accepted")
	}
	typeInto(pv.renameEntry, "office")
	if err := pv.renameEntry.Validate(); err != nil {
		t.Fatalf("a free name is refused: %v", err)
	}
	pv.renameDlg.Submit()

	st := smtp.NewStore(dir)
	if _, err := st.Get("office"); err != nil {
		t.Fatalf("renamed profile missing: %v", err)
	}
	if _, err := st.Get("work"); !errors.Is(err, smtp.ErrNoSuchProfile) {
		t.Fatalf("old name still there: %v", err)
	}
	h.waitFor("the password to move", 2*time.Second, func() bool {
		v, err := kr.Get("office")
		return err == nil && v == "pw-work"
	})
	if _, err := kr.Get("work"); !errors.Is(err, smtp.ErrSecretNotFound) {
		t.Errorf("the old keyring entry is still there: %v", err)
	}
	if h.wizard().origName != "office" || h.m.app.Preferences().String(prefLastProfile) != "office" {
		t.Error("the renamed profile is not the open one")
	}
}

func TestDuplicateCopiesProfileAndSecret(t *testing.T) {
	kr := smtp.NewSessionSecrets()
	dir := t.TempDir()
	seed(t, dir, kr, "home")
	h := newHarness(t, withDir(dir), withKeyring(kr))
	test.Tap(h.m.profiles.dupBtn)
	p, err := smtp.NewStore(dir).Get("home copy")
	if err != nil || p.Host != "mail.example.com" {
		t.Fatalf("copy = %+v, %v", p, err)
	}
	h.waitFor("the password copy", 2*time.Second, func() bool {
		v, err := kr.Get("home copy")
		return err == nil && v == "pw-home"
	})
	if h.wizard().origName != "home copy" {
		t.Errorf("open profile = %q, want the copy", h.wizard().origName)
	}
	test.Tap(h.m.profiles.dupBtn)
	if _, err := smtp.NewStore(dir).Get("home copy copy"); err != nil {
		t.Errorf("a copy of the copy: %v", err)
	}
}

func TestDeleteAsksThenRemovesProfileAndSecret(t *testing.T) {
	kr := smtp.NewSessionSecrets()
	dir := t.TempDir()
	seed(t, dir, kr, "home", "work")
	h := newHarness(t, withDir(dir), withKeyring(kr))
	pv := h.m.profiles
	h.selectProfile("work")

	test.Tap(pv.deleteBtn)
	if pv.confirmDlg == nil {
		t.Fatal("Delete did not ask first")
	}
	pv.confirmDlg.Dismiss()
	if _, err := smtp.NewStore(dir).Get("work"); err != nil {
		t.Fatal("answering No deleted the profile")
	}

	test.Tap(pv.deleteBtn)
	pv.confirmDlg.Confirm()
	if _, err := smtp.NewStore(dir).Get("work"); !errors.Is(err, smtp.ErrNoSuchProfile) {
		t.Fatalf("profile still there: %v", err)
	}
	h.waitFor("the keyring entry to go", 2*time.Second, func() bool {
		_, err := kr.Get("work")
		return errors.Is(err, smtp.ErrSecretNotFound)
	})
	if v, err := kr.Get("home"); err != nil || v != "pw-home" {
		t.Error("another profile's password was touched")
	}
	if h.wizard().origName != "home" {
		t.Errorf("after deleting, %q is open, want home", h.wizard().origName)
	}

	// Deleting the last one starts a new profile.
	test.Tap(pv.deleteBtn)
	pv.confirmDlg.Confirm()
	if !h.wizard().isNew || len(pv.items) != 1 || !pv.items[0].draft {
		t.Fatalf("after deleting every profile: items %+v", pv.items)
	}
}

func TestRemembersLastProfileAndWindowSize(t *testing.T) {
	kr := smtp.NewSessionSecrets()
	dir := t.TempDir()
	seed(t, dir, kr, "alpha", "beta")
	h := newHarness(t, withDir(dir), withKeyring(kr))
	if got := h.win.Canvas().Size(); got.Width < defaultWidth-1 || got.Height < defaultHeight-1 {
		t.Errorf("first window size = %v, want the default", got)
	}
	h.selectProfile("beta")
	h.win.Resize(fyne.NewSize(1200, 800))
	h.m.rememberWindowSize()
	h.m.shutdown()

	// A new window of the same app starts where this one stopped.
	h.open()
	if h.wizard().origName != "beta" {
		t.Errorf("reopened on %q, want beta", h.wizard().origName)
	}
	if got := h.win.Canvas().Size(); got.Width != 1200 || got.Height != 800 {
		t.Errorf("reopened with size %v, want 1200x800", got)
	}
	// A saved profile opens on its test, with the password known to be stored.
	h.waitFor("the keyring look-up", 2*time.Second, func() bool { return h.wizard().secretChecked })
	if h.stepID() != stepTest || !h.wizard().secretStored {
		t.Errorf("step %q, secret stored %v", h.stepID(), h.wizard().secretStored)
	}
	// Every step of a saved profile is reachable.
	for i, b := range h.wizard().indicator {
		if b.Disabled() {
			t.Errorf("step %d is not reachable for a saved profile", i+1)
		}
	}
}

func TestMinimumWindowSize(t *testing.T) {
	h := newHarness(t)
	min := h.m.content.MinSize()
	if min.Width < minWidth || min.Height < minHeight {
		t.Errorf("content minimum %v is below the intended %dx%d", min, minWidth, minHeight)
	}
	if min.Width > 1000 || min.Height > 700 {
		t.Errorf("content minimum %v does not fit a small laptop screen", min)
	}
}

func TestMainMenuFollowsTheSelection(t *testing.T) {
	kr := smtp.NewSessionSecrets()
	dir := t.TempDir()
	seed(t, dir, kr, "home")
	h := newHarness(t, withDir(dir), withKeyring(kr))
	m := h.m
	menu := h.win.MainMenu()
	if menu == nil || len(menu.Items) != 4 { // Profile, Edit, View, Help
		t.Fatalf("main menu = %+v", menu)
	}
	var quit *fyne.MenuItem
	for _, it := range menu.Items[0].Items {
		if it.IsQuit {
			quit = it
		}
	}
	if quit == nil {
		t.Fatal("no Quit in the first menu")
	}
	if sc, ok := quit.Shortcut.(*desktop.CustomShortcut); !ok || sc.KeyName != fyne.KeyQ || sc.Modifier != fyne.KeyModifierShortcutDefault {
		t.Fatalf("Quit has shortcut %#v, want Ctrl+Q", quit.Shortcut)
	}
	if m.menuDup.Disabled || m.menuRename.Disabled || m.menuDelete.Disabled {
		t.Error("profile actions are disabled with a saved profile open")
	}
	m.menuNew.Action()
	if !h.wizard().isNew {
		t.Fatal("Profile › New profile did not start a new profile")
	}
	if !m.menuDup.Disabled || !m.menuRename.Disabled {
		t.Error("Duplicate and Rename are enabled for an unsaved profile")
	}
	m.menuNew.Action() // already open: nothing happens
	if n := len(m.profiles.items); n != 2 {
		t.Errorf("%d profiles listed after New twice, want the saved one and one new", n)
	}

	m.onAbout()
	if h.win.Canvas().Overlays().Top() == nil {
		t.Error("About shows nothing")
	}
}

func TestCorruptProfilesFileIsReported(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, smtp.ProfilesFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, withDir(dir))
	h.waitFor("the error dialog", time.Second, func() bool { return h.m.lastError != "" })
	if !strings.Contains(h.m.lastError, "The profiles file cannot be read") || !strings.Contains(h.m.lastError, "not valid JSON") {
		t.Errorf("error shown = %q", h.m.lastError)
	}
	if h.win.Canvas().Overlays().Top() == nil {
		t.Error("no dialog on screen")
	}
	// The window still works: a new profile can be set up.
	if !h.wizard().isNew {
		t.Error("no new profile to start with")
	}
}

// TestDiscardOpensTheProfileClicked: discarding an unsaved new profile drops
// its row, and the profile clicked (not the one that moved into its row) opens.
func TestDiscardOpensTheProfileClicked(t *testing.T) {
	kr := smtp.NewSessionSecrets()
	dir := t.TempDir()
	seed(t, dir, kr, "home", "work")
	h := newHarness(t, withDir(dir), withKeyring(kr))
	pv := h.m.profiles
	test.Tap(pv.newBtn)
	if !h.wizard().isNew {
		t.Fatal("New opened no new profile")
	}
	h.wizard().changed()
	pv.confirmDlg = nil
	pv.list.Select(pv.indexOf("home"))
	if pv.confirmDlg == nil {
		t.Fatal("leaving an unsaved profile did not ask first")
	}
	pv.confirmDlg.Confirm()
	if got := h.wizard().origName; got != "home" {
		t.Fatalf("clicking home and discarding opened %q", got)
	}
	if it, ok := pv.current(); !ok || it.draft || it.profile.Name != "home" {
		t.Errorf("the selected row is %+v, want home", it)
	}
}
