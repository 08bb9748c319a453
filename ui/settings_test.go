//go:build !nogui

package ui

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// inEnglish switches to English now and again when the test ends.
func inEnglish(t *testing.T) {
	t.Helper()
	if !i18n.Use("en") {
		t.Fatal("Use(en) refused")
	}
	t.Cleanup(func() { i18n.Use("en") })
}

// chooseLanguage picks the language named name (or whose label starts with
// it) in the open Settings dialog, as a click does.
func (h *harness) chooseLanguage(name string) {
	h.t.Helper()
	sv := h.m.settings
	if sv == nil {
		h.t.Fatal("the Settings are not open")
	}
	for _, exact := range []bool{true, false} {
		for _, o := range sv.language.Options {
			if o == name || !exact && strings.HasPrefix(o, name) {
				sv.language.SetSelected(o)
				return
			}
		}
	}
	h.t.Fatalf("no language %q among %q", name, sv.language.Options)
}

func TestSettingsMenuItem(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	var found bool
	for _, it := range h.m.menu.Items[0].Items {
		if it.Label == "Settings…" {
			found = true
			it.Action()
		}
	}
	if !found {
		t.Fatal("no Settings… item in the first menu")
	}
	sv := h.m.settings
	if sv == nil || sv.language == nil || sv.auto == nil {
		t.Fatal("Settings… did not open the Settings")
	}
	if len(sv.language.Options) != 3 || !strings.HasPrefix(sv.language.Options[0], "System default") ||
		sv.language.Options[1] != "English" || sv.language.Options[2] != "简体中文" {
		t.Errorf("language choices = %q", sv.language.Options)
	}
	if !strings.HasPrefix(sv.language.Selected, "System default") {
		t.Errorf("selected = %q, want the system default before anything was chosen", sv.language.Selected)
	}
	if !sv.auto.Checked {
		t.Error("automatic lookup is off by default")
	}
}

func TestSettingsLanguageSwitchesAtOnce(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	// Something typed and a step reached, which the switch must keep.
	typeInto(h.wizard().provider.address.entry, "ann@example.com")
	h.tapNext()
	if h.stepID() != stepServer {
		t.Fatalf("on step %q", h.stepID())
	}
	old := h.wizard()
	if old.next.Text != "Next" || h.m.menu.Items[0].Label != "Profile" {
		t.Fatalf("before the switch: Next = %q, menu = %q", old.next.Text, h.m.menu.Items[0].Label)
	}

	h.m.onSettings()
	h.chooseLanguage("简体中文")
	if got := h.app.Preferences().String(prefLanguage); got != "zh" {
		t.Errorf("saved language = %q, want zh", got)
	}
	wz := h.wizard()
	if wz == old {
		t.Fatal("the setup was not redrawn")
	}
	checks := map[string][2]string{
		"Next":            {wz.next.Text, "下一步"},
		"Back":            {wz.back.Text, "上一步"},
		"step 2":          {wz.indicator[1].Text, "2. 服务器"},
		"intro":           {wz.stepIntro.Text, "发件（SMTP）服务器"},
		"host label":      {wz.server.host.label.Text, "服务器地址"},
		"menu":            {h.m.menu.Items[0].Label, "配置"},
		"New":             {h.m.profiles.newBtn.Text, "新建"},
		"Outbox":          {h.m.profiles.outboxBtn.Text, "发件箱"},
		"Settings check":  {h.m.settings.auto.Text, "自动查找服务器设置"},
		"Settings choice": {h.m.settings.language.Selected, "简体中文"},
	}
	for what, c := range checks {
		if !strings.Contains(c[0], c[1]) {
			t.Errorf("in Chinese, %s = %q, want %q", what, c[0], c[1])
		}
	}
	if h.stepID() != stepServer || wz.address != "ann@example.com" || wz.draft.Preset != "local" {
		t.Errorf("after the switch: step %q, address %q, preset %q; want what was there", h.stepID(), wz.address, wz.draft.Preset)
	}
	if h.m.content != h.win.Content() {
		t.Error("the window does not show the new content")
	}

	h.chooseLanguage("English")
	if got := h.app.Preferences().String(prefLanguage); got != "en" {
		t.Errorf("saved language = %q, want en", got)
	}
	wz = h.wizard()
	if wz.next.Text != "Next" || h.m.menu.Items[0].Label != "Profile" || wz.indicator[1].Text != "2. Server" || h.m.settings.auto.Text != "Look up settings automatically" {
		t.Errorf("back in English: Next %q, menu %q, step %q, setting %q", wz.next.Text, h.m.menu.Items[0].Label, wz.indicator[1].Text, h.m.settings.auto.Text)
	}
	if h.stepID() != stepServer || wz.address != "ann@example.com" {
		t.Errorf("after switching back: step %q, address %q", h.stepID(), wz.address)
	}

	h.chooseLanguage("System default")
	if got, ok := h.app.Preferences().String(prefLanguage), true; got != "" || !ok {
		t.Errorf("saved language = %q, want \"\" (follow the system)", got)
	}
}

func TestSavedLanguageAppliedAtStartUnlessForced(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	h.app.Preferences().SetString(prefLanguage, "zh")
	h.m.shutdown()
	h.open()
	if got := h.wizard().next.Text; got != "下一步" || i18n.Current() != "zh" {
		t.Fatalf("a window opened with zh saved says Next = %q (language %s)", got, i18n.Current())
	}

	i18n.Use("en") // as --lang en does before Run
	ForcedLanguage = true
	defer func() { ForcedLanguage = false }()
	h.m.shutdown()
	h.open()
	if got := h.wizard().next.Text; got != "Next" || i18n.Current() != "en" {
		t.Fatalf("with the language forced to English, Next = %q (language %s)", got, i18n.Current())
	}
}

func TestLanguageSwitchKeepsTypedAccountDetails(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	h.walkProvider("ann@example.com", "")
	h.tapNext()
	a := h.wizard().account
	typeInto(a.name.entry, "my profile")
	typeInto(a.fromName.entry, "Ann")
	h.m.onSettings()
	h.chooseLanguage("简体中文")
	a = h.wizard().account
	if h.stepID() != stepAccount || a.name.entry.Text != "my profile" || a.fromName.entry.Text != "Ann" {
		t.Errorf("after the switch: step %q, name %q, display name %q", h.stepID(), a.name.entry.Text, a.fromName.entry.Text)
	}
	if a.name.label.Text != "配置名称" || h.wizard().next.Text != "保存并继续" {
		t.Errorf("account step not in Chinese: %q, %q", a.name.label.Text, h.wizard().next.Text)
	}
}

// countingResolver fails every lookup and counts them.
func countingResolver(n *atomic.Int32) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		n.Add(1)
		return nil, errors.New("offline")
	}}
}

func TestAutoLookupOffAsksNobody(t *testing.T) {
	inEnglish(t)
	old := detectDelay
	detectDelay = 20 * time.Millisecond
	defer func() { detectDelay = old }()

	var lookups atomic.Int32
	opts := offlineDetectOptions(t)
	opts.Resolver = countingResolver(&lookups)
	h := newHarness(t, withDetector(opts))
	h.m.onSettings()
	h.m.settings.auto.SetChecked(false)
	if h.app.Preferences().BoolWithFallback(prefAutoLookup, true) {
		t.Fatal("turning automatic lookup off was not saved")
	}

	ps := h.wizard().provider
	typeInto(ps.address.entry, "ann@nopreset.test")
	h.q.drain()
	if !detectionIdle(ps) {
		t.Fatalf("with automatic lookup off, typing an address scheduled or started a lookup (timer %v, running %v, ran for %q)",
			ps.det.timer != nil, ps.det.cancel != nil, ps.det.ranFor)
	}
	h.tapNext() // Next starts a lookup that has not run, when lookup is on
	h.q.drain()
	if h.stepID() != stepServer {
		t.Fatalf("Next led to step %q", h.stepID())
	}
	if !detectionIdle(ps) {
		t.Fatalf("with automatic lookup off, Next scheduled or started a lookup (timer %v, running %v, ran for %q)",
			ps.det.timer != nil, ps.det.cancel != nil, ps.det.ranFor)
	}
	if n := lookups.Load(); n != 0 {
		t.Fatalf("the detector looked up %d names with automatic lookup off", n)
	}
	if ps.det.state != detectNone || !strings.Contains(ps.det.text, "Automatic lookup is off") {
		t.Errorf("the detection line says %q (state %d), want that automatic lookup is off", ps.det.text, ps.det.state)
	}
	if !detectLineShows(h.wizard().server.detLine, false, "Automatic lookup is off") {
		t.Errorf("the server step's line = %q", h.wizard().server.detLine.text.Text)
	}
	// The offline preset match still works.
	test.Tap(h.wizard().back)
	typeInto(ps.address.entry, "ann@qq.com")
	if h.wizard().draft.Preset != "qq" {
		t.Errorf("preset for qq.com = %q, want qq", h.wizard().draft.Preset)
	}

	// Turned on again, the same address is looked up.
	h.m.settings.auto.SetChecked(true)
	typeInto(ps.address.entry, "ann@nopreset.test")
	h.waitFor("a lookup", 5*time.Second, func() bool { return lookups.Load() > 0 })
}

// fontChecksSettled counts, per window, the font checks that came to a
// decision (see fontCheckSettled), until the test ends. The count is only
// touched on the UI thread, which in the harness is the test's goroutine.
func fontChecksSettled(t *testing.T) func(m *mainUI) int {
	t.Helper()
	n := map[*mainUI]int{}
	old := fontCheckSettled
	fontCheckSettled = func(m *mainUI) { n[m]++ }
	t.Cleanup(func() { fontCheckSettled = old })
	return func(m *mainUI) int { return n[m] }
}

// detectionIdle reports whether the provider step has no detection waiting
// for its debounce timer, running, or run for the address: then nothing can
// look anything up until the address or the setting changes. (A timer that
// fired is only cleared by the UI function it queues, which starts the
// detection.)
func detectionIdle(ps *providerStep) bool {
	return ps.det.timer == nil && ps.det.cancel == nil && ps.det.ranFor == ""
}

func TestCJKNoticeDecision(t *testing.T) {
	calls := 0
	has := func(v bool) func() bool { return func() bool { calls++; return v } }
	for _, c := range []struct {
		needed, shown, font, want bool
	}{
		{true, false, false, true},
		{true, false, true, false},
		{true, true, false, false},
		{false, false, false, false},
	} {
		if got := cjkNotice(c.needed, c.shown, has(c.font)); got != c.want {
			t.Errorf("cjkNotice(needed %v, shown %v, font %v) = %v", c.needed, c.shown, c.font, got)
		}
	}
	if calls != 2 {
		t.Errorf("the font check ran %d times; it must only run when a notice could follow", calls)
	}
}

func TestCJKNoticeShownOnceWithoutFont(t *testing.T) {
	inEnglish(t)
	var checks atomic.Int32
	old := hasCJKFont
	hasCJKFont = func() bool { checks.Add(1); return false }
	defer func() { hasCJKFont = old }()

	settled := fontChecksSettled(t)
	h := newHarness(t)
	h.waitFor("the font check of the new window", 5*time.Second, func() bool { return settled(h.m) > 0 })
	if checks.Load() != 0 || h.m.fontNotice != nil {
		t.Fatal("the font was checked for an English window with no Chinese in it")
	}
	h.m.onSettings()
	h.chooseLanguage("简体中文")
	h.waitFor("the font notice", 5*time.Second, func() bool { return h.m.fontNotice != nil })
	if !h.app.Preferences().Bool(prefCJKNoticeShown) {
		t.Error("the notice was not remembered")
	}

	// Not again: neither in this window nor in the next.
	h.m.fontNotice = nil
	before := settled(h.m)
	h.chooseLanguage("English")
	h.chooseLanguage("简体中文")
	h.waitFor("the font checks of the switches", 5*time.Second, func() bool { return settled(h.m) >= before+2 })
	if h.m.fontNotice != nil {
		t.Error("the notice was shown again after switching languages")
	}
	h.m.shutdown()
	h.open()
	h.waitFor("the font check of the reopened window", 5*time.Second, func() bool { return settled(h.m) > 0 })
	if h.m.fontNotice != nil {
		t.Error("the notice was shown twice")
	}
	if n := checks.Load(); n != 1 {
		t.Errorf("the fonts were checked %d times; once is enough", n)
	}
}

func TestCJKFontFoundShowsNothing(t *testing.T) {
	inEnglish(t)
	old := hasCJKFont
	hasCJKFont = func() bool { return true }
	defer func() { hasCJKFont = old }()
	i18n.Use("zh")
	settled := fontChecksSettled(t)
	h := newHarness(t)
	h.waitFor("the font check", 5*time.Second, func() bool { return settled(h.m) > 0 })
	if h.m.fontNotice != nil || h.app.Preferences().Bool(prefCJKNoticeShown) {
		t.Error("a notice was shown although a Chinese font was found")
	}
}

// withOAuthEnv signs in against auth (nil: nowhere) with an oauth.json of
// its own and no client ID but what env and the Settings give.
func withOAuthEnv(auth *oauthtest.Server, env map[string]string) harnessOption {
	return func(h *harness) {
		h.oauth = &oauth.Manager{
			Secrets:   smtp.LayeredSecrets{Session: h.session, Persistent: h.keyring},
			ConfigDir: h.t.TempDir(),
			Getenv: func(k string) string {
				if k == oauth.EnvBaseURL && auth != nil {
					return auth.URL
				}
				return env[k]
			},
			Browser: oauthtest.Browser(nil),
			Timeout: 20 * time.Second,
		}
	}
}

// openSignInApps opens the Settings and waits until oauth.json was read.
func (h *harness) openSignInApps() (google, microsoft *oauthAppForm) {
	h.t.Helper()
	h.m.onSettings()
	sv := h.m.settings
	if sv == nil || sv.apps == nil || len(sv.apps.forms) != 2 {
		h.t.Fatal("no Sign-in apps section in the Settings")
	}
	google, microsoft = sv.apps.forms[0], sv.apps.forms[1]
	h.waitFor("oauth.json to be read", 5*time.Second, func() bool { return google.loaded && microsoft.loaded })
	return google, microsoft
}

// saveApp taps Save and waits for its message.
func (h *harness) saveApp(f *oauthAppForm) string {
	h.t.Helper()
	f.msg.box.Hide()
	test.Tap(f.save)
	h.waitFor("the Save", 5*time.Second, func() bool { return !f.apps.state.busy && f.msg.box.Visible() })
	return f.msg.text.Text
}

func TestSettingsSignInAppsBadInputChangesNothing(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	path := filepath.Join(h.dir, oauth.SettingsFile)
	g, ms := h.openSignInApps()
	if ms.tenant == nil || g.tenant != nil || ms.secret != nil || g.secret == nil {
		t.Fatal("Google has a secret, Microsoft a tenant, and not the other way round")
	}

	// No file yet: a client ID with a space is refused, nothing is written.
	typeInto(g.clientID.entry, "123 abc.apps.googleusercontent.com")
	if msg := h.saveApp(g); !strings.Contains(msg, "cannot contain spaces") {
		t.Fatalf("message = %q", msg)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("oauth.json after a refused Save: %v", err)
	}
	g.clientID.entry.SetText("")
	if msg := h.saveApp(g); !strings.Contains(msg, "Enter the client ID that Google gave you") {
		t.Fatalf("empty client ID: %q", msg)
	}

	// With a file: bad input leaves it byte for byte.
	if err := oauth.SaveSettings(h.dir, oauth.Settings{
		Google:    oauth.ProviderSettings{ClientID: "g-id", ClientSecret: "g-secret"},
		Microsoft: oauth.ProviderSettings{ClientID: "m-id", TokenURL: "https://login.example.com/token"}}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g, ms = h.openSignInApps()
	if g.clientID.entry.Text != "g-id" || g.secret.entry.Text != "g-secret" || ms.clientID.entry.Text != "m-id" || g.item.Title != "Google: set up" {
		t.Fatalf("shown: google %q/%q (%q), microsoft %q", g.clientID.entry.Text, g.secret.entry.Text, g.item.Title, ms.clientID.entry.Text)
	}
	for _, c := range []struct {
		f      *oauthAppForm
		fld    *appField
		text   string
		result string
	}{
		{g, g.clientID, "g-id\tx", "cannot contain spaces"},
		{g, g.clientID, "g\x01id", "cannot contain spaces"},
		{g, g.secret, "two words", "client secret cannot contain"},
		{ms, ms.tenant, "not a tenant!", "The tenant must be"},
		{ms, ms.tenant, "contoso", "The tenant must be"},
	} {
		old := c.fld.entry.Text
		c.fld.entry.SetText(c.text)
		if msg := h.saveApp(c.f); !strings.Contains(msg, c.result) {
			t.Errorf("%q: message %q, want %q", c.text, msg, c.result)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
			t.Fatalf("%q changed oauth.json:\n%s", c.text, after)
		}
		c.fld.entry.SetText(old)
	}

	// Good input changes only that provider's fields; the endpoint stays.
	typeInto(ms.tenant.entry, "Contoso.onmicrosoft.com")
	if msg := h.saveApp(ms); !strings.HasPrefix(msg, "Saved in ") {
		t.Fatalf("message = %q", msg)
	}
	s, err := oauth.LoadSettings(h.dir)
	if err != nil || s.Microsoft.Tenant != "contoso.onmicrosoft.com" || s.Microsoft.TokenURL != "https://login.example.com/token" ||
		s.Microsoft.ClientID != "m-id" || s.Google.ClientID != "g-id" || s.Google.ClientSecret != "g-secret" {
		t.Fatalf("oauth.json = %+v, %v", s, err)
	}
	for _, tn := range []string{"common", "Organizations", "00000000-0000-0000-0000-0000000000ab", ""} {
		if _, err := oauth.ValidateTenant(tn); err != nil {
			t.Errorf("tenant %q refused", tn)
		}
	}

	// Remove asks first, then clears Google's client ID and secret.
	test.Tap(g.remove)
	if g.confirm == nil {
		t.Fatal("Remove did not ask")
	}
	g.confirm.Confirm()
	h.waitFor("the removal", 5*time.Second, func() bool { return !g.apps.state.busy && g.msg.box.Visible() })
	s, err = oauth.LoadSettings(h.dir)
	if err != nil || s.Google != (oauth.ProviderSettings{}) || s.Microsoft.ClientID != "m-id" {
		t.Fatalf("after Remove: %+v, %v", s, err)
	}
	if g.clientID.entry.Text != "" || g.item.Title != "Google: not set up" || !g.remove.Disabled() {
		t.Errorf("after Remove: client ID %q, title %q, Remove disabled %v", g.clientID.entry.Text, g.item.Title, g.remove.Disabled())
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("oauth.json mode %v, %v", fi.Mode(), err)
	}
}

func TestSettingsSignInAppsEnvironmentWins(t *testing.T) {
	inEnglish(t)
	const envID = "env-id.apps.googleusercontent.com"
	h := newHarness(t, withOAuthEnv(nil, map[string]string{"SMTPCONF_GOOGLE_CLIENT_ID": envID, "SMTPCONF_MICROSOFT_TENANT": "organizations"}))
	g, ms := h.openSignInApps()
	if !g.clientID.entry.Disabled() || g.clientID.entry.Text != envID || !g.clientID.note.Visible() ||
		!strings.Contains(g.clientID.note.Text, "SMTPCONF_GOOGLE_CLIENT_ID") || !strings.Contains(g.clientID.note.Text, "wins over this setting") {
		t.Fatalf("client ID: disabled %v, text %q, note %q (shown %v)", g.clientID.entry.Disabled(), g.clientID.entry.Text, g.clientID.note.Text, g.clientID.note.Visible())
	}
	if g.item.Title != "Google: set by an environment variable" {
		t.Errorf("title = %q", g.item.Title)
	}
	if g.secret.entry.Disabled() || g.save.Disabled() {
		t.Error("the secret, which the environment does not set, cannot be changed")
	}
	if !ms.tenant.entry.Disabled() || ms.tenant.entry.Text != "organizations" || !strings.Contains(ms.tenant.note.Text, "SMTPCONF_MICROSOFT_TENANT") {
		t.Errorf("tenant: disabled %v, %q, note %q", ms.tenant.entry.Disabled(), ms.tenant.entry.Text, ms.tenant.note.Text)
	}
	if ms.clientID.entry.Disabled() || ms.item.Title != "Microsoft: not set up" {
		t.Errorf("Microsoft client ID disabled %v, title %q", ms.clientID.entry.Disabled(), ms.item.Title)
	}

	// Saving writes the secret, not the environment's client ID.
	typeInto(g.secret.entry, "GOCSPX-x")
	if msg := h.saveApp(g); !strings.HasPrefix(msg, "Saved in ") {
		t.Fatalf("message = %q", msg)
	}
	s, err := oauth.LoadSettings(h.oauth.ConfigDir)
	if err != nil || s.Google.ClientID != "" || s.Google.ClientSecret != "GOCSPX-x" {
		t.Fatalf("oauth.json = %+v, %v", s, err)
	}
	if c, err := h.oauth.Config(oauth.Google); err != nil || c.ClientID != envID || c.ClientSecret != "GOCSPX-x" {
		t.Fatalf("resolved = %+v, %v", c, err)
	}
}

func TestSettingsSignInAppsBuiltIn(t *testing.T) {
	inEnglish(t)
	old := oauth.GoogleClientID
	oauth.GoogleClientID = "distro.apps.googleusercontent.com"
	defer func() { oauth.GoogleClientID = old }()
	h := newHarness(t)
	g, _ := h.openSignInApps()
	if g.item.Title != "Google: built in" || g.clientID.entry.Text != "" || g.clientID.entry.PlaceHolder != oauth.GoogleClientID ||
		!strings.Contains(g.clientID.note.Text, "Built into this copy") || g.clientID.entry.Disabled() {
		t.Fatalf("title %q, text %q, placeholder %q, note %q", g.item.Title, g.clientID.entry.Text, g.clientID.entry.PlaceHolder, g.clientID.note.Text)
	}
}

func TestSettingsSignInAppsInChinese(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	old, _ := h.openSignInApps()
	h.m.settings.apps.open(oauth.Google)
	typeInto(old.clientID.entry, "typed-id")
	h.chooseLanguage("简体中文")
	sv := h.m.settings
	g := sv.apps.forms[0]
	h.waitFor("oauth.json to be read", 5*time.Second, func() bool { return g.loaded })
	if g == old || g.clientID.entry.Text != "typed-id" || !g.item.Open {
		t.Errorf("after the switch: client ID %q, open %v; want what was typed, open", g.clientID.entry.Text, g.item.Open)
	}
	if got := sv.apps.box.Objects[0].(*widget.Label).Text; got != "登录应用（OAuth2）" {
		t.Errorf("heading = %q", got)
	}
	if g.item.Title != "Google：未设置" || !strings.Contains(windowRegistrationHelp(oauth.Google)[2], "登录应用") {
		t.Errorf("title %q, help %q", g.item.Title, windowRegistrationHelp(oauth.Google)[2])
	}
}

// A Save waits for oauth.json's lock (held here as `smtpconf oauth setup`
// in another process would): meanwhile Save and Remove are off in the
// whole section, also in the dialog rebuilt by a language switch; the
// other writer's change survives, and every form shows the file as it is
// afterwards (what was typed and not saved stays typed).
func TestSettingsSignInAppsSaveUnderLock(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	g, ms := h.openSignInApps()
	dir := h.m.oauth.SettingsDir()
	if err := smtp.EnsureConfigDir(dir); err != nil {
		t.Fatal(err)
	}
	unlock, err := smtp.LockConfigFile(filepath.Join(dir, oauth.SettingsLockFile))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	defer once.Do(unlock)

	typeInto(ms.tenant.entry, "consumers") // typed in the other form, not saved
	typeInto(g.clientID.entry, "g-id.apps.example")
	test.Tap(g.save)
	h.q.drain()
	if !g.apps.state.busy || !g.save.Disabled() || !ms.save.Disabled() {
		t.Fatalf("while Google is saved: busy %v, Google's Save off %v, Microsoft's Save off %v", g.apps.state.busy, g.save.Disabled(), ms.save.Disabled())
	}

	// The dialog is rebuilt (language switch) while the write waits.
	h.chooseLanguage("简体中文")
	sv := h.m.settings
	g2, ms2 := sv.apps.forms[0], sv.apps.forms[1]
	if g2 == g {
		t.Fatal("the dialog was not rebuilt")
	}
	h.waitFor("oauth.json to be read", 5*time.Second, func() bool { return g2.loaded && ms2.loaded })
	if !sv.apps.state.busy || !g2.save.Disabled() || !ms2.save.Disabled() {
		t.Fatalf("rebuilt while saving: busy %v, Save off %v/%v", sv.apps.state.busy, g2.save.Disabled(), ms2.save.Disabled())
	}
	test.Tap(ms2.save) // refused while busy
	h.q.drain()

	// The other writer's change, under the lock; then it lets go.
	if err := smtp.WriteConfigFile(dir, oauth.SettingsFile, []byte(`{"microsoft": {"client_id": "m-id"}}`+"\n")); err != nil {
		t.Fatal(err)
	}
	once.Do(unlock)
	h.waitFor("the save", 5*time.Second, func() bool { return !sv.apps.state.busy && g2.msg.box.Visible() })
	if g2.msg.text.Importance != widget.SuccessImportance || !strings.Contains(g2.msg.text.Text, oauth.SettingsFile) {
		t.Fatalf("message after the save: %q (importance %v)", g2.msg.text.Text, g2.msg.text.Importance)
	}
	s, err := oauth.LoadSettings(dir)
	if err != nil || s.Google.ClientID != "g-id.apps.example" || s.Microsoft.ClientID != "m-id" || s.Microsoft.Tenant != "" {
		t.Fatalf("oauth.json = %+v, %v; want Google's save and the other writer's change, and no tenant", s, err)
	}
	if ms2.clientID.entry.Text != "m-id" || ms2.tenant.entry.Text != "consumers" || ms2.save.Disabled() || ms2.remove.Disabled() {
		t.Errorf("Microsoft's form after the save: client ID %q (want the file's), tenant %q (want what was typed), Save off %v, Remove off %v",
			ms2.clientID.entry.Text, ms2.tenant.entry.Text, ms2.save.Disabled(), ms2.remove.Disabled())
	}
	if g2.clientID.entry.Text != "g-id.apps.example" || g2.save.Disabled() || g2.remove.Disabled() {
		t.Errorf("Google's form after the save: %q, Save off %v, Remove off %v", g2.clientID.entry.Text, g2.save.Disabled(), g2.remove.Disabled())
	}
}
