//go:build !nogui

package ui

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
)

// pickPreset selects a provider in the list, as a click on its row does.
func (h *harness) pickPreset(id string) {
	h.t.Helper()
	ps := h.wizard().provider
	for i, p := range ps.shown {
		if p.ID == id {
			ps.list.Select(i)
			return
		}
	}
	h.t.Fatalf("preset %q is not in the list", id)
}

// walkProvider types the address and, if id is not "", picks that preset.
func (h *harness) walkProvider(address, id string) {
	h.t.Helper()
	if h.stepID() != stepProvider {
		h.t.Fatalf("on step %q, want provider", h.stepID())
	}
	wz := h.wizard()
	typeInto(wz.provider.address.entry, address)
	if id != "" && wz.draft.Preset != id {
		h.pickPreset(id)
	}
	h.tapNext()
}

// walkServer fills the server step for a server on this computer.
func (h *harness) walkServer(port int, sec string, timeout string) {
	h.t.Helper()
	if h.stepID() != stepServer {
		h.t.Fatalf("on step %q, want server", h.stepID())
	}
	s := h.wizard().server
	typeInto(s.host.entry, "127.0.0.1")
	if sec != "" {
		s.security.SetSelected(sec)
	}
	typeInto(s.port.entry, strconv.Itoa(port))
	if timeout != "" {
		s.advanced.Open(0)
		typeInto(s.timeout.entry, timeout)
	}
	h.tapNext()
}

// walkAccount types the password (if not "") and saves.
func (h *harness) walkAccount(password string) {
	h.t.Helper()
	if h.stepID() != stepAccount {
		h.t.Fatalf("on step %q, want account", h.stepID())
	}
	if password != "" {
		typeInto(h.wizard().account.password.entry, password)
	}
	h.tapNext()
	h.waitFor("the test step after saving", 5*time.Second, func() bool { return h.stepID() == stepTest })
}

func TestStepsAreRegisteredAsData(t *testing.T) {
	h := newHarness(t)
	wz := h.wizard()
	var ids []string
	for _, st := range wz.steps {
		if st.Title == "" || st.Intro == "" || st.View == nil || st.Valid == nil {
			t.Errorf("step %q is missing a title, intro, view or validity check", st.ID)
		}
		ids = append(ids, st.ID)
	}
	if got := strings.Join(ids, ","); got != "provider,server,account,test" {
		t.Fatalf("steps = %s", got)
	}
	if len(wz.indicator) != 4 || !strings.Contains(wz.indicator[0].Text, "1.") {
		t.Fatalf("step indicator = %d buttons", len(wz.indicator))
	}
	if wz.indicator[0].Importance != widget.HighImportance {
		t.Error("the current step is not highlighted in the indicator")
	}
	if !wz.indicator[3].Disabled() {
		t.Error("the test step is reachable before anything was entered")
	}
	if !wz.back.Disabled() {
		t.Error("Back is enabled on the first step")
	}
}

func TestFirstStartOffersLocalInbox(t *testing.T) {
	h := newHarness(t)
	wz := h.wizard()
	if !wz.isNew || wz.draft.Preset != "local" {
		t.Fatalf("first start: new=%v preset=%q, want a new profile on the local test inbox", wz.isNew, wz.draft.Preset)
	}
	if it := h.m.profiles.items; len(it) != 1 || !it[0].draft {
		t.Fatalf("profile list = %+v, want just the new profile", it)
	}
	if !wz.next.Disabled() {
		t.Error("Next is enabled without an email address")
	}
	if !wz.navHint.box.Visible() {
		t.Error("nothing says why Next is disabled")
	}
}

func TestTypingGmailAddressPreselectsGmail(t *testing.T) {
	h := newHarness(t)
	wz := h.wizard()
	ps := wz.provider

	test.Type(ps.address.entry, "ann@gmail.com")
	if wz.draft.Preset != "gmail" {
		t.Fatalf("preset = %q after typing a gmail address, want gmail", wz.draft.Preset)
	}
	if !strings.Contains(ps.chosen.text.Text, "Gmail") {
		t.Errorf("the choice shown is %q, want Gmail", ps.chosen.text.Text)
	}
	if wz.draft.Host != "smtp.gmail.com" || wz.draft.Port != 465 || wz.draft.Security != smtp.SecurityTLS {
		t.Errorf("server = %s:%d %s, want Gmail's", wz.draft.Host, wz.draft.Port, wz.draft.Security)
	}
	if wz.next.Disabled() {
		t.Fatal("Next is disabled with a valid address and a provider")
	}

	// Another provider's domain moves the automatic choice along.
	typeInto(ps.address.entry, "bob@qq.com")
	if wz.draft.Preset != "qq" {
		t.Errorf("preset = %q for bob@qq.com, want qq", wz.draft.Preset)
	}
	// A domain no preset knows falls back to Custom.
	typeInto(ps.address.entry, "bob@example.org")
	if wz.draft.Preset != "custom" {
		t.Errorf("preset = %q for an unknown domain, want custom", wz.draft.Preset)
	}

	// The list is searchable.
	typeInto(ps.search, "yahoo")
	if len(ps.shown) == 0 {
		t.Fatal("searching for yahoo shows nothing")
	}
	for _, p := range ps.shown {
		if !strings.Contains(strings.ToLower(p.Name+p.Host+strings.Join(p.Domains, " ")), "yahoo") {
			t.Errorf("search for yahoo shows %s", p.Name)
		}
	}
	// A hand-picked provider is not replaced by typing.
	h.pickPreset("yahoo")
	typeInto(ps.search, "")
	typeInto(ps.address.entry, "ann@gmail.com")
	if wz.draft.Preset != "yahoo" {
		t.Errorf("preset = %q, want the hand-picked yahoo kept", wz.draft.Preset)
	}

	// An invalid address says why, and Enter does not advance.
	typeInto(ps.address.entry, "ann@")
	if !ps.address.showing() || !strings.Contains(ps.address.msg.Text, "nothing after the @") {
		t.Errorf("address message = %q, want why it is invalid", ps.address.msg.Text)
	}
	if !wz.next.Disabled() {
		t.Error("Next is enabled with an invalid address")
	}
	ps.address.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if h.stepID() != stepProvider {
		t.Fatal("Enter advanced past an invalid address")
	}

	// Enter advances once it is valid.
	typeInto(ps.address.entry, "ann@gmail.com")
	ps.address.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if h.stepID() != stepServer {
		t.Fatalf("Enter on a valid address left the wizard on %q", h.stepID())
	}
}

func TestInvalidPortDisablesNextAndSaysWhy(t *testing.T) {
	h := newHarness(t)
	h.walkProvider("ann@gmail.com", "")
	wz := h.wizard()
	s := wz.server
	if s.host.entry.Text != "smtp.gmail.com" || s.port.entry.Text != "465" || s.security.Selected != "SSL/TLS" {
		t.Fatalf("server step shows %q %q %q, want Gmail's settings", s.host.entry.Text, s.port.entry.Text, s.security.Selected)
	}
	if wz.next.Disabled() {
		t.Fatal("Next is disabled with the preset's settings")
	}

	typeInto(s.port.entry, "70000")
	if !wz.next.Disabled() {
		t.Fatal("Next is enabled with port 70000")
	}
	if !s.port.showing() || !strings.Contains(s.port.msg.Text, "out of range") {
		t.Fatalf("port message = %q, want it to say the port is out of range", s.port.msg.Text)
	}
	if s.port.entry.Validate() == nil {
		t.Error("the port entry's own validator accepts 70000")
	}
	if !wz.navHint.box.Visible() {
		t.Error("nothing next to the disabled Next says why")
	}

	typeInto(s.port.entry, "abc")
	if !strings.Contains(s.port.msg.Text, "not a number") {
		t.Errorf("port message = %q for letters", s.port.msg.Text)
	}

	typeInto(s.port.entry, "587")
	typeInto(s.host.entry, "smtp.gmail.com:587")
	if !wz.next.Disabled() || !strings.Contains(s.host.msg.Text, "includes a port") {
		t.Errorf("host with a port: next disabled=%v, message %q", wz.next.Disabled(), s.host.msg.Text)
	}
	typeInto(s.host.entry, "smtp.gmail.com")
	if wz.next.Disabled() {
		t.Fatalf("Next stays disabled after fixing the fields (%q / %q)", s.host.msg.Text, s.port.msg.Text)
	}
	if s.port.showing() || s.host.showing() {
		t.Error("an error is still shown for a valid field")
	}
}

func TestSecurityChangeOffersStandardPort(t *testing.T) {
	h := newHarness(t)
	h.walkProvider("ann@gmail.com", "")
	s := h.wizard().server

	s.security.SetSelected("STARTTLS")
	if s.port.entry.Text != "587" || h.wizard().draft.Port != 587 {
		t.Fatalf("port = %q after choosing STARTTLS, want 587", s.port.entry.Text)
	}
	if !s.portNote.box.Visible() || !strings.Contains(s.portNote.text.Text, "587") {
		t.Errorf("no note about the port change (%q)", s.portNote.text.Text)
	}

	// A port chosen on purpose is kept, and the standard one offered.
	typeInto(s.port.entry, "2600")
	s.security.SetSelected("SSL/TLS")
	if s.port.entry.Text != "2600" {
		t.Fatalf("port = %q, want the chosen 2600 kept", s.port.entry.Text)
	}
	if !s.usePort.Visible() || !strings.Contains(s.usePort.Text, "465") {
		t.Fatalf("no offer of port 465 (button %q visible=%v)", s.usePort.Text, s.usePort.Visible())
	}
	test.Tap(s.usePort)
	if s.port.entry.Text != "465" || h.wizard().draft.Port != 465 {
		t.Fatalf("port = %q after accepting the offer", s.port.entry.Text)
	}

	// The core's mismatch warnings show inline.
	s.security.SetSelected("STARTTLS")
	typeInto(s.port.entry, "465")
	if len(s.warnings.Objects) == 0 {
		t.Fatal("no warning for STARTTLS on port 465")
	}
	n := s.warnings.Objects[0].(*fyne.Container)
	if !strings.Contains(findText(n), "465") {
		t.Errorf("warning = %q", findText(n))
	}

	// Skip-verify shows a red warning in words.
	s.advanced.Open(0)
	test.Tap(s.skipVerify)
	if !h.wizard().draft.InsecureSkipVerify || !s.skipWarn.box.Visible() {
		t.Fatal("checking skip-verify shows no warning")
	}
	if s.skipWarn.text.Importance != widget.DangerImportance || !strings.Contains(s.skipWarn.text.Text, "Warning:") {
		t.Errorf("skip-verify warning = %q (importance %v)", s.skipWarn.text.Text, s.skipWarn.text.Importance)
	}
	test.Tap(s.skipVerify)
	if s.skipWarn.box.Visible() {
		t.Error("the warning stays after unchecking")
	}
}

// findText joins the texts of the labels inside obj.
func findText(obj fyne.CanvasObject) string {
	var parts []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			parts = append(parts, w.Text)
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(obj)
	return strings.Join(parts, " ")
}

func TestSaveStoresProfileAndPasswordInKeyring(t *testing.T) {
	h := newHarness(t)
	h.walkProvider("ann@gmail.com", "")
	h.tapNext() // server: Gmail's settings as they are

	wz := h.wizard()
	a := wz.account
	// Gmail offers Sign in with Google first, but this build has no Google
	// client ID, so the app password is preselected.
	if got := a.oauth.method.Options; len(got) != 2 || got[0] != "Sign in with Google" || got[1] != "App password" || a.oauth.method.Selected != got[1] {
		t.Fatalf("sign-in methods = %q (selected %q), want Google's sign-in first and the app password chosen", got, a.oauth.method.Selected)
	}
	a.oauth.method.SetSelected("App password")
	if wz.draft.Auth != smtp.AuthAuto || !a.oauth.pwBox.Visible() || a.oauth.box.Visible() {
		t.Fatalf("after choosing App password: auth %q, password shown %v", wz.draft.Auth, a.oauth.pwBox.Visible())
	}
	if a.username.entry.Text != "ann@gmail.com" || a.from.entry.Text != "ann@gmail.com" || a.name.entry.Text != "ann@gmail.com" {
		t.Fatalf("prefilled name=%q user=%q from=%q, want the address", a.name.entry.Text, a.username.entry.Text, a.from.entry.Text)
	}
	if a.password.label.Text != "App password" {
		t.Errorf("password label = %q, want App password for Gmail", a.password.label.Text)
	}
	var link *widget.HyperlinkSegment
	for _, seg := range a.noteLead.Segments {
		if l, ok := seg.(*widget.HyperlinkSegment); ok {
			link = l
		}
	}
	gmail, _ := smtp.PresetByID("gmail")
	if link == nil || link.URL.String() != gmail.HelpURL || link.Text != "create one" {
		t.Fatalf("no \"create one\" link to Gmail's help (%+v)", link)
	}
	// Gmail offers signing in too: an app password is the method chosen,
	// not what Gmail "needs" (issue 15, defect 5).
	if !strings.HasPrefix(a.noteLead.String(), "To use an app password with Gmail:") {
		t.Errorf("note = %q", a.noteLead.String())
	}
	if !wz.next.Disabled() {
		t.Fatal("Save and continue is enabled without a password")
	}

	// Show/hide the password.
	pw := a.password.entry
	test.Type(pw, "abcd efgh ijkl mnop")
	if !pw.Password {
		t.Fatal("the password is shown as typed")
	}
	test.Tap(pw.ActionItem.(fyne.Tappable))
	if pw.Password {
		t.Error("the show button does not reveal the password")
	}
	test.Tap(pw.ActionItem.(fyne.Tappable))

	h.tapNext()
	h.waitFor("the test step", 5*time.Second, func() bool { return h.stepID() == stepTest })

	p, err := smtp.NewStore(h.dir).Get("ann@gmail.com")
	if err != nil {
		t.Fatalf("profile not in the profiles file: %v", err)
	}
	if p.Host != "smtp.gmail.com" || p.Port != 465 || p.Preset != "gmail" || p.Username != "ann@gmail.com" || p.From != "ann@gmail.com" {
		t.Errorf("saved profile = %+v", p)
	}
	data, err := os.ReadFile(filepath.Join(h.dir, smtp.ProfilesFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "abcd efgh") {
		t.Fatal("the password is in the profiles file")
	}
	if got, err := h.keyring.Get("ann@gmail.com"); err != nil || got != "abcd efgh ijkl mnop" {
		t.Fatalf("keyring holds %q, %v; want the password", got, err)
	}
	if _, err := h.session.Get("ann@gmail.com"); err == nil {
		t.Error("the password was also kept as a session password")
	}
	if !strings.Contains(a.status.text.Text, "keyring") {
		t.Errorf("status after save = %q", a.status.text.Text)
	}
	items := h.m.profiles.items
	if len(items) != 1 || items[0].draft || items[0].profile.Name != "ann@gmail.com" {
		t.Errorf("profile list = %+v", items)
	}
	if h.app.Preferences().String(prefLastProfile) != "ann@gmail.com" {
		t.Error("the saved profile is not remembered as the last one")
	}
}

// brokenKeyring fails like a desktop without a Secret Service.
type brokenKeyring struct{}

func (brokenKeyring) Get(p string) (string, error) {
	return "", &smtp.KeyringError{Op: "get", Profile: p, Kind: smtp.ErrKeyringUnavailable}
}

func (brokenKeyring) Set(p, _ string) error {
	return &smtp.KeyringError{Op: "set", Profile: p, Kind: smtp.ErrKeyringUnavailable}
}

func (brokenKeyring) Delete(p string) error {
	return &smtp.KeyringError{Op: "delete", Profile: p, Kind: smtp.ErrKeyringUnavailable}
}

func TestKeyringFailureOffersSessionOnly(t *testing.T) {
	h := newHarness(t, withKeyring(brokenKeyring{}))
	h.walkProvider("ann@gmail.com", "")
	h.tapNext()
	a := h.wizard().account
	a.oauth.method.SetSelected("App password") // not Sign in with Google
	typeInto(a.password.entry, "abcd efgh ijkl mnop")
	h.tapNext()
	h.waitFor("the keyring problem", 5*time.Second, func() bool { return a.keyring.box.Visible() })

	if h.stepID() != stepAccount {
		t.Fatalf("moved on to %q although the password was not stored", h.stepID())
	}
	want := (&smtp.KeyringError{Kind: smtp.ErrKeyringUnavailable}).Hint()
	if a.krHint.Text != want {
		t.Errorf("hint = %q, want the keyring error's hint %q", a.krHint.Text, want)
	}
	if !strings.Contains(a.keyring.text.Text, "could not be stored in the keyring") {
		t.Errorf("keyring message = %q", a.keyring.text.Text)
	}
	if _, err := smtp.NewStore(h.dir).Get("ann@gmail.com"); err != nil {
		t.Errorf("the profile was not saved: %v", err)
	}
	if !a.session.Visible() || a.session.Text != "Use for this session only" {
		t.Fatalf("no session-only button (%q)", a.session.Text)
	}

	test.Tap(a.session)
	h.waitFor("the test step", 2*time.Second, func() bool { return h.stepID() == stepTest })
	if got, err := h.session.Get("ann@gmail.com"); err != nil || got != "abcd efgh ijkl mnop" {
		t.Fatalf("session secret = %q, %v", got, err)
	}
	if got, err := h.m.secrets.Get("ann@gmail.com"); err != nil || got != "abcd efgh ijkl mnop" {
		t.Fatalf("the window's secrets give %q, %v", got, err)
	}
}

func TestDiscardChangesAsksFirst(t *testing.T) {
	dir := t.TempDir()
	st := smtp.NewStore(dir)
	for _, n := range []string{"alpha", "beta"} {
		p := smtp.Profile{Name: n, Preset: "custom", Host: "mail.example.com", Port: 587, Security: smtp.SecuritySTARTTLS, Auth: smtp.AuthNone, From: n + "@example.com"}
		if err := st.Save(p); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, withDir(dir))
	if h.wizard().origName != "alpha" {
		t.Fatalf("opened %q, want the first profile", h.wizard().origName)
	}
	h.wizard().goTo(1)
	typeInto(h.wizard().server.host.entry, "smtp.example.com")
	h.m.profiles.list.Select(1)
	pv := h.m.profiles
	if pv.confirmDlg == nil {
		t.Fatal("switching profiles with unsaved changes did not ask")
	}
	pv.confirmDlg.Dismiss() // "Keep editing"
	h.waitFor("the dialog's answer", time.Second, func() bool { return pv.selected == 0 })
	if h.wizard().origName != "alpha" || h.wizard().draft.Host != "smtp.example.com" {
		t.Fatal("keeping the changes lost them")
	}
}

func TestEnterAdvancesAndBackReturns(t *testing.T) {
	h := newHarness(t)
	wz := h.wizard()
	test.Type(wz.provider.address.entry, "ann@gmail.com")
	wz.provider.address.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if h.stepID() != stepServer {
		t.Fatalf("step = %q", h.stepID())
	}
	wz.server.host.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if h.stepID() != stepAccount {
		t.Fatalf("step = %q after Enter on the server step", h.stepID())
	}
	test.Tap(wz.back)
	if h.stepID() != stepServer {
		t.Fatalf("Back went to %q", h.stepID())
	}
}

// TestFirstStartSaysWhatToDo: before anything is typed nothing is wrong, so
// the bar under the steps says what to do instead of warning about fields;
// once a bad address has been typed, it warns.
func TestFirstStartSaysWhatToDo(t *testing.T) {
	h := newHarness(t)
	wz := h.wizard()
	if !wz.next.Disabled() || wz.navHint.text.Text != "Type your email address to begin." || wz.navHint.text.Importance == widget.WarningImportance {
		t.Fatalf("first start: Next disabled %v, hint %q (importance %v)", wz.next.Disabled(), wz.navHint.text.Text, wz.navHint.text.Importance)
	}
	if wz.provider.address.showing() {
		t.Error("the empty address is marked as an error before anything was typed")
	}
	typeInto(wz.provider.address.entry, "ann@")
	if wz.navHint.text.Text != "Complete the fields marked above to continue." || wz.navHint.text.Importance != widget.WarningImportance {
		t.Fatalf("after a bad address: hint %q (importance %v)", wz.navHint.text.Text, wz.navHint.text.Importance)
	}
}

// TestUnknownDomainLeadsToCustomServer: an address no preset knows is a real
// account somewhere; the test inbox chosen for a first start gives way to
// Custom server, whose host is still to be entered, so Enter cannot set up
// the test inbox for it.
func TestUnknownDomainLeadsToCustomServer(t *testing.T) {
	h := newHarness(t)
	wz := h.wizard()
	ps := wz.provider
	if wz.draft.Preset != "local" {
		t.Fatalf("first start preset = %q, want local", wz.draft.Preset)
	}
	typeInto(ps.address.entry, "ann@company.example")
	if wz.draft.Preset != "custom" {
		t.Fatalf("preset = %q for an unknown domain, want custom", wz.draft.Preset)
	}
	if wz.draft.Host == "127.0.0.1" {
		t.Error("the test inbox's server stayed in the draft")
	}
	ps.address.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if h.stepID() != stepServer {
		t.Fatalf("Enter left the wizard on %q", h.stepID())
	}
	if !wz.next.Disabled() {
		t.Error("Next is enabled on the Server step with no server entered")
	}

	// The test inbox picked by hand stays picked.
	h2 := newHarness(t)
	h2.pickPreset("custom")
	h2.pickPreset("local")
	typeInto(h2.wizard().provider.address.entry, "bob@company.example")
	if got := h2.wizard().draft.Preset; got != "local" {
		t.Errorf("preset = %q, want the hand-picked local test inbox kept", got)
	}
}

// TestCustomServerTakesStandardPort: leaving the test inbox for Custom server
// starts from the standard submission port, not the inbox's 2525.
func TestCustomServerTakesStandardPort(t *testing.T) {
	h := newHarness(t)
	wz := h.wizard()
	h.pickPreset("custom")
	if wz.draft.Port != 587 || wz.draft.Security != smtp.SecuritySTARTTLS || wz.draft.Host != "" {
		t.Fatalf("Custom server after the test inbox = %q:%d %s, want an empty host on 587 STARTTLS",
			wz.draft.Host, wz.draft.Port, wz.draft.Security)
	}
	typeInto(wz.provider.address.entry, "ann@company.example")
	h.tapNext()
	if got := wz.server.port.entry.Text; got != "587" {
		t.Errorf("the Server step shows port %q, want 587", got)
	}
}

// TestEmptyPasswordBlocksAccountStep: a saved profile whose password the
// keyring does not have is not done at the Account step: no tick, "Save and
// continue" disabled, and the password field says why.
func TestEmptyPasswordBlocksAccountStep(t *testing.T) {
	dir := t.TempDir()
	p := smtp.Profile{Name: "work", Preset: "custom", Host: "mail.example.com", Port: 587,
		Security: smtp.SecuritySTARTTLS, Auth: smtp.AuthAuto, Username: "ann@example.com", From: "ann@example.com"}
	if err := smtp.NewStore(dir).Save(p); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, withDir(dir))
	wz := h.wizard()
	h.waitFor("the keyring's answer", 2*time.Second, func() bool { return wz.secretChecked })
	var account int
	for i, st := range wz.steps {
		if st.ID == stepAccount {
			account = i
		}
	}
	if wz.indicator[account].Icon == theme.ConfirmIcon() {
		t.Error("the Account step has a tick with no password saved")
	}
	wz.goTo(account)
	a := wz.account
	if !wz.next.Disabled() {
		t.Error("Save and continue is enabled with no password")
	}
	if !a.password.showing() || a.password.msg.Text == "" {
		t.Errorf("the password field is not marked (message %q)", a.password.msg.Text)
	}
	if !strings.Contains(wz.navHint.text.Text, "marked") && !strings.Contains(wz.navHint.text.Text, "assword") {
		t.Errorf("the hint under the step says %q", wz.navHint.text.Text)
	}
	typeInto(a.password.entry, "secret")
	if wz.next.Disabled() || a.password.showing() {
		t.Error("typing the password does not complete the step")
	}
}

// TestSentencesAgreeWithTheStep: no sentence contradicts another or the
// step (issue 15, defect 5).
func TestSentencesAgreeWithTheStep(t *testing.T) {
	t.Run("Gmail note and sign-in line", func(t *testing.T) {
		h := newHarness(t)
		h.walkProvider("ann@gmail.com", "")
		h.tapNext()
		a := h.wizard().account
		if lead := a.noteLead.String(); strings.Contains(lead, "needs an app password") {
			t.Errorf("the note says %q above %q", lead, a.noteText.Text)
		}
	})
	t.Run("no settings found beside a chosen preset", func(t *testing.T) {
		h := newHarness(t, withDeps(func(d *Deps) { d.DetectDelay = time.Millisecond }))
		wz := h.wizard()
		ps := wz.provider
		typeInto(ps.address.entry, "ann@nothing.example")
		h.waitFor("the fallback line", 5*time.Second, func() bool { return ps.det.state == detectNone })
		h.pickPreset("yahoo")
		h.tapNext()
		if l := wz.server.detLine; l.box.Visible() && strings.Contains(l.text.Text, "No settings found") {
			t.Errorf("the Server step says %q with Yahoo chosen and filled in", l.text.Text)
		}
		if ps.detLine.box.Visible() && strings.Contains(ps.detLine.text.Text, "No settings found") {
			t.Errorf("the Provider step says %q with Yahoo chosen", ps.detLine.text.Text)
		}
	})
	t.Run("Custom server", func(t *testing.T) {
		h := newHarness(t)
		h.walkProvider("ann@company.example", "custom")
		wz := h.wizard()
		if strings.Contains(wz.stepIntro.Text, "provider's values are filled in") {
			t.Errorf("the Server step of Custom server says %q", wz.stepIntro.Text)
		}
		h.walkServer(2525, "", "")
		a := wz.account
		if a.noteCard.Visible() && (strings.Contains(a.noteText.Text, "server") || strings.Contains(a.noteLead.String(), "settings")) {
			t.Errorf("the Account step gives server advice: %q %q", a.noteLead.String(), a.noteText.Text)
		}
	})
	t.Run("marked above only when marked", func(t *testing.T) {
		h := newHarness(t)
		h.walkProvider("ann@company.example", "custom")
		wz := h.wizard()
		if wz.server.host.showing() {
			t.Fatal("the empty host is marked before anything was typed")
		}
		if got := wz.navHint.text.Text; strings.Contains(got, "marked above") || !strings.Contains(got, "Server (host)") {
			t.Errorf("with nothing marked the hint says %q", got)
		}
		typeInto(wz.server.host.entry, "bad host")
		if got := wz.navHint.text.Text; !wz.server.host.showing() || !strings.Contains(got, "marked above") {
			t.Errorf("with the host marked the hint says %q", got)
		}
	})
}

// TestPasswordChosenAfterSavingIsRequired: a new profile saved to sign in
// with Google, then switched to an app password, is not done until the app
// password is typed (it used to pass, and fail at Send on the keyring).
func TestPasswordChosenAfterSavingIsRequired(t *testing.T) {
	h := newHarness(t)
	a := walkGmailToAccount(h, nil)
	wz := h.wizard()
	a.oauth.method.SetSelected("Sign in with Google")
	test.Tap(a.saveBtn)
	h.q.drain()
	if wz.isNew {
		t.Fatal("Save did not save the profile")
	}
	a.oauth.method.SetSelected("App password")
	if a.usesSignIn() {
		t.Fatal("the method did not change")
	}
	if !wz.next.Disabled() || a.valid() {
		t.Error("Save and continue is enabled with no app password stored or typed")
	}
	if !a.password.showing() {
		t.Errorf("the password field is not marked (%q)", a.password.msg.Text)
	}
}
