//go:build !nogui

package ui

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

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
	// In the Edit menu, where desktop apps keep their preferences.
	for _, it := range h.m.menu.Items[1].Items {
		if it.Label == "Settings…" {
			found = true
			it.Action()
		}
	}
	if !found {
		t.Fatal("no Settings… item in the Edit menu")
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
	h.pickPreset("local")
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
	h.deps = append(h.deps, func(d *Deps) { d.ForcedLanguage = true })
	h.m.shutdown()
	h.open()
	if got := h.wizard().next.Text; got != "Next" || i18n.Current() != "en" {
		t.Fatalf("with the language forced to English, Next = %q (language %s)", got, i18n.Current())
	}
}

func TestLanguageSwitchKeepsTypedAccountDetails(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	h.walkProvider("ann@example.com", "local")
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
	var lookups atomic.Int32
	opts := offlineDetectOptions(t)
	opts.Resolver = countingResolver(&lookups)
	h := newHarness(t, withDetector(opts), withDeps(func(d *Deps) { d.DetectDelay = 20 * time.Millisecond }))
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

// detectionIdle reports whether the provider step has no detection waiting
// for its debounce timer, running, or run for the address: then nothing can
// look anything up until the address or the setting changes. (A timer that
// fired is only cleared by the UI function it queues, which starts the
// detection.)
func detectionIdle(ps *providerStep) bool {
	return ps.det.timer == nil && ps.det.cancel == nil && ps.det.ranFor == ""
}
