//go:build !nogui

package ui

import (
	"image/color"
	"math"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
)

// menuItem is the item labelled label in menu title of the main menu, nil
// if there is none.
func menuItem(m *mainUI, title, label string) *fyne.MenuItem {
	for _, menu := range m.menu.Items {
		if menu.Label != title {
			continue
		}
		for _, it := range menu.Items {
			if it.Label == label {
				return it
			}
		}
	}
	return nil
}

// overlayTexts are the texts of the label widgets in the top overlay.
func overlayTexts(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *widget.PopUp:
			walk(x.Content)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(top)
	return strings.Join(out, "\n")
}

// walkLocalToTest sets up the local test inbox and opens its Test step.
func walkLocalToTest(h *harness) *testStep {
	h.t.Helper()
	h.walkProvider("ann@example.com", "local")
	h.tapNext()
	h.walkAccount("")
	if h.stepID() != stepTest {
		h.t.Fatalf("on step %q, want the Test step", h.stepID())
	}
	return h.wizard().test
}

func TestHelpMenuAndSettingsPlace(t *testing.T) {
	h := newHarness(t)
	var titles []string
	for _, menu := range h.m.menu.Items {
		titles = append(titles, menu.Label)
	}
	if got := strings.Join(titles, ","); got != "Profile,Edit,View,Help" {
		t.Errorf("menus = %s", got)
	}
	if menuItem(h.m, "Profile", "Settings…") != nil || menuItem(h.m, "Edit", "Settings…") == nil {
		t.Error("Settings… is not in the Edit menu (alone)")
	}
	for _, l := range []string{"Getting started", "Keyboard shortcuts", "Report a problem", "About SMTP Configurator"} {
		if menuItem(h.m, "Help", l) == nil {
			t.Errorf("Help has no %q", l)
		}
	}

	menuItem(h.m, "Help", "Getting started").Action()
	text := overlayTexts(h.win)
	for _, want := range []string{"1. Provider:", "2. Server:", "3. Account:", "4. Test:"} {
		if !strings.Contains(text, want) {
			t.Errorf("Getting started lacks %q:\n%s", want, text)
		}
	}
	h.m.dismissTopDialog()

	menuItem(h.m, "Help", "Keyboard shortcuts").Action()
	text = overlayTexts(h.win)
	for _, want := range []string{"Ctrl+N", "New profile", "Ctrl+,", "Settings", "Ctrl+Enter", "Send the test message", "Esc"} {
		if !strings.Contains(text, want) {
			t.Errorf("Keyboard shortcuts lacks %q:\n%s", want, text)
		}
	}
}

func TestReportProblemCopiesVersionAndTranscript(t *testing.T) {
	h := newHarness(t)
	menuItem(h.m, "Help", "Report a problem").Action()
	got := h.app.Clipboard().Content()
	if !strings.Contains(got, smtp.VersionLine()) || !strings.Contains(got, "No transcript yet") {
		t.Errorf("report before a test = %q", got)
	}
	if !strings.Contains(overlayTexts(h.win), "copied to the clipboard") {
		t.Error("Report a problem does not say what it copied")
	}
	h.m.dismissTopDialog()

	ts := walkLocalToTest(h)
	password, _ := h.keyring.Get("Local test inbox")
	test.Tap(ts.sendBtn)
	h.waitFor("the test", 15*time.Second, func() bool { return !ts.running })
	menuItem(h.m, "Help", "Report a problem").Action()
	got = h.app.Clipboard().Content()
	if !strings.HasPrefix(got, "SMTP Configurator "+smtp.VersionLine()) {
		t.Errorf("report does not start with the version line: %q", got)
	}
	if !strings.Contains(got, "Last transcript (passwords hidden):") || !strings.Contains(got, "MAIL FROM") {
		t.Errorf("report lacks the transcript: %q", got)
	}
	if password == "" || strings.Contains(got, password) {
		t.Error("the report shows the password")
	}
}

// The icon, name and word of a stage row line up with the first line of
// its detail, even when the detail wraps.
func TestStageRowIconsLineUpWithTheirLine(t *testing.T) {
	test.NewTempApp(t)
	r := newStageRow(smtp.StageConnect)
	r.set(rowOK, strings.Repeat("a detail that wraps onto more lines ", 8))
	w := test.NewWindow(container.NewThemeOverride(container.NewVBox(r.box), compactTheme{}))
	defer w.Close()
	w.Resize(fyne.NewSize(600, 300))
	if r.box.Size().Height < 2*r.name.MinSize().Height {
		t.Fatalf("the detail does not wrap (row %v)", r.box.Size())
	}
	centre := func(o fyne.CanvasObject) float32 { return o.Position().Y + o.Size().Height/2 }
	line := r.name.MinSize().Height / 2 // the middle of the detail's first line
	for name, o := range map[string]fyne.CanvasObject{"icon": r.box.Objects[0], "name": r.name, "word": r.word} {
		if d := centre(o) - line; d > 1 || d < -1 {
			t.Errorf("%s centre at %.1f, the first line's at %.1f", name, centre(o), line)
		}
	}
	if r.detail.Position().Y != 0 {
		t.Errorf("detail at %.1f", r.detail.Position().Y)
	}
}

// While a send runs, the elapsed time keeps up with the stages.
func TestElapsedKeepsUpWithStages(t *testing.T) {
	h := newHarness(t)
	ts := walkLocalToTest(h)
	ts.reset(false)
	ts.running, ts.started = true, time.Now().Add(-300*time.Millisecond)
	defer func() { ts.running = false }()
	ts.onEvent(smtp.Event{Stage: smtp.StageConnect, Status: smtp.StatusOK})
	if ts.elapsed.Text == "Elapsed: 0 ms" || !strings.HasPrefix(ts.elapsed.Text, "Elapsed: 3") {
		t.Errorf("elapsed = %q beside a finished stage, 300 ms in", ts.elapsed.Text)
	}
}

// The Account step has one save action: the wizard's Save and continue.
func TestAccountStepHasOneSaveAction(t *testing.T) {
	h := newHarness(t)
	h.walkProvider("ann@example.com", "local")
	h.tapNext()
	if h.stepID() != stepAccount {
		t.Fatalf("on step %q", h.stepID())
	}
	var saves []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Button:
			if strings.HasPrefix(x.Text, "Save") {
				saves = append(saves, x.Text)
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(h.m.content)
	if len(saves) != 1 || saves[0] != "Save and continue" {
		t.Errorf("save buttons = %q, want only Save and continue", saves)
	}
}

// Escape closes every kind of dialog as its Cancel/Close button does.
func TestEscapeClosesDialogs(t *testing.T) {
	h := newHarness(t)
	escape := func() { h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) }
	answered := map[string]bool{}
	for name, show := range map[string]func(){
		"confirm": func() {
			dialog.NewConfirm("Delete?", "Sure?", func(ok bool) { answered["confirm"] = !ok }, h.win).Show()
		},
		"form": func() {
			dialog.NewForm("Name", "OK", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", widget.NewEntry())},
				func(ok bool) { answered["form"] = !ok }, h.win).Show()
		},
		"about":    h.m.onAbout,
		"settings": h.m.onSettings,
		"error":    func() { h.m.showError("Failed", errString("x")); h.q.drain() },
	} {
		show()
		if h.win.Canvas().Overlays().Top() == nil {
			t.Fatalf("%s: no dialog shown", name)
		}
		escape()
		if top := h.win.Canvas().Overlays().Top(); top != nil && top.Visible() {
			t.Errorf("%s: Escape did not close the dialog", name)
		}
	}
	if !answered["confirm"] || !answered["form"] {
		t.Errorf("Escape did not answer Cancel: %v", answered)
	}
	// Escape with no dialog does nothing.
	escape()
}

type errString string

func (e errString) Error() string { return string(e) }

// Ctrl+Enter sends from the Test step, and is in the menu so that it works
// while a field has the focus.
func TestCtrlEnterSendsFromTestStep(t *testing.T) {
	h := newHarness(t)
	if it := menuItem(h.m, "Profile", "Send test email"); it == nil || it.Shortcut == nil || it.Shortcut.ShortcutName() != sendShortcut.ShortcutName() {
		t.Fatal("no Ctrl+Enter item in the menu")
	}
	ts := walkLocalToTest(h)
	h.win.Canvas().(fyne.Shortcutable).TypedShortcut(sendShortcut)
	if !ts.running {
		t.Fatal("Ctrl+Enter did not start the test")
	}
	h.waitFor("the test", 15*time.Second, func() bool { return !ts.running })
	if ts.resultTitle.Text != "Test message delivered" {
		t.Errorf("result = %q", ts.resultTitle.Text)
	}
}

// luminance is the relative luminance of c (WCAG).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// over composites c onto an opaque background.
func over(c, bg color.Color) color.Color {
	r, g, b, a := c.RGBA()
	br, bgG, bb, _ := bg.RGBA()
	mix := func(f, k uint32) uint8 { return uint8((f + k*(0xffff-a)/0xffff) >> 8) }
	return color.NRGBA{R: mix(r, br), G: mix(g, bgG), B: mix(b, bb), A: 0xff}
}

// contrast is the WCAG contrast ratio of two colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// Keyboard focus shows on buttons (plain and primary) and radio buttons in
// both the light and the dark theme: the focused shade differs clearly
// from the plain one and from the hover shade.
func TestFocusIsVisibleInBothVariants(t *testing.T) {
	th := withVisibleFocus(theme.DefaultTheme())
	if withVisibleFocus(th) != th {
		t.Error("the focus theme wraps itself")
	}
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		focus, hover := th.Color(theme.ColorNameFocus, v), th.Color(theme.ColorNameHover, v)
		for _, bgName := range []fyne.ThemeColorName{theme.ColorNameButton, theme.ColorNamePrimary, theme.ColorNameBackground} {
			bg := over(th.Color(bgName, v), th.Color(theme.ColorNameBackground, v))
			if c := contrast(over(focus, bg), bg); c < 1.4 {
				t.Errorf("variant %d on %s: focus contrast %.2f", v, bgName, c)
			}
			if c := contrast(over(focus, bg), over(hover, bg)); c < 1.25 {
				t.Errorf("variant %d on %s: focus and hover look alike (%.2f)", v, bgName, c)
			}
		}
	}
}
