//go:build !nogui

package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// step is one page of the guided setup. Steps are data: the wizard only
// knows this list, so a preset can add or skip a page by changing it.
type step struct {
	ID    string
	Title string
	Intro string
	// View builds the page; it is called once per opened profile.
	View func() fyne.CanvasObject
	// Enter refreshes the page from the profile each time it is shown.
	Enter func()
	// Valid reports whether Next may be pressed.
	Valid func() bool
}

// Step ids.
const (
	stepProvider = "provider"
	stepServer   = "server"
	stepAccount  = "account"
	stepTest     = "test"
)

// wizard is the guided setup of one profile, shown on the right. It edits a
// draft copy of the profile; the Account step saves it.
type wizard struct {
	m        *mainUI
	draft    smtp.Profile
	isNew    bool   // not in the profiles file yet
	origName string // the name it is saved under ("" while new)
	address  string // the email address typed on the Provider step
	password string // a password typed and not stored yet
	dirty    bool   // changed since it was last saved

	// What the keyring holds for this profile, looked up in the background.
	secretChecked bool
	secretStored  bool

	steps   []step
	views   []fyne.CanvasObject
	current int

	provider *providerStep
	server   *serverStep
	account  *accountStep
	test     *testStep

	header    *widget.Label
	subheader *widget.Label
	useBtn    *widget.Button // "Use from other apps" (useapps.go)
	indicator []*widget.Button
	stepIntro *widget.Label
	body      *fyne.Container
	back      *widget.Button
	next      *widget.Button
	navHint   *notice
	root      fyne.CanvasObject

	// loading is set while widgets are filled from code, so their change
	// callbacks do not count as edits.
	loading bool
}

func newWizard(m *mainUI, p smtp.Profile, isNew bool) *wizard {
	wz := &wizard{m: m, draft: p, isNew: isNew, address: p.From}
	if !isNew {
		wz.origName = p.Name
		if _, addr, err := smtp.ParseAddress(p.From); err == nil {
			wz.address = addr
		}
	}
	wz.provider = newProviderStep(wz)
	wz.server = newServerStep(wz)
	wz.account = newAccountStep(wz)
	wz.test = newTestStep(wz)
	wz.registerSteps()
	wz.buildUI()
	return wz
}

// start shows the first page: the provider for a new profile, the test for
// a saved one (where it is most useful). Call it once root is in the window.
func (wz *wizard) start() {
	first := 0
	if !wz.isNew {
		first = len(wz.steps) - 1
		wz.lookUpSecret()
	}
	wz.goTo(first)
}

// page is what each step's type provides: its title and the sentence
// under it, its view, its refresh when shown, and whether Next may be
// pressed.
type page interface {
	heading() (title, intro string)
	view() fyne.CanvasObject
	enter()
	valid() bool
}

// pageStep is the step id, whose page is p.
func pageStep(id string, p page) step {
	title, intro := p.heading()
	return step{ID: id, Title: title, Intro: intro, View: p.view, Enter: p.enter, Valid: p.valid}
}

// registerSteps lists the pages in order.
func (wz *wizard) registerSteps() {
	wz.steps = []step{
		pageStep(stepProvider, wz.provider),
		pageStep(stepServer, wz.server),
		pageStep(stepAccount, wz.account),
		pageStep(stepTest, wz.test),
	}
	wz.views = make([]fyne.CanvasObject, len(wz.steps))
}

func (wz *wizard) buildUI() {
	wz.header = heading("")
	wz.subheader = widget.NewLabel("")
	wz.subheader.Truncation = fyne.TextTruncateEllipsis

	steps := container.NewHBox()
	for i, st := range wz.steps {
		i := i
		b := widget.NewButton(fmt.Sprintf("%d. %s", i+1, st.Title), func() { wz.onStep(i) })
		b.Importance = widget.LowImportance
		wz.indicator = append(wz.indicator, b)
		if i > 0 {
			steps.Add(widget.NewIcon(theme.NavigateNextIcon()))
		}
		steps.Add(b)
	}
	wz.stepIntro = wrapped("")

	wz.back = widget.NewButtonWithIcon(i18n.L("Back"), theme.NavigateBackIcon(), wz.onBack)
	wz.next = widget.NewButtonWithIcon(i18n.L("Next"), theme.NavigateNextIcon(), wz.onNext)
	wz.next.IconPlacement = widget.ButtonIconTrailingText
	wz.next.Importance = widget.HighImportance
	wz.navHint = newNotice(theme.WarningIcon(), "", widget.WarningImportance)

	top := container.NewVBox(
		container.NewBorder(nil, nil, wz.header, wz.newUseButton(), wz.subheader),
		steps,
		widget.NewSeparator(),
		wz.stepIntro,
	)
	wz.body = container.NewStack()
	nav := container.NewBorder(nil, nil, wz.back, wz.next, wz.navHint.box)
	wz.root = container.NewPadded(container.NewBorder(top, container.NewVBox(widget.NewSeparator(), nav), nil, nil, wz.body))
}

// title names the profile in the header and in dialogs.
func (wz *wizard) title() string {
	if wz.isNew {
		return draftTitle(wz.draft)
	}
	return wz.origName
}

// goTo shows step i.
func (wz *wizard) goTo(i int) {
	if i < 0 || i >= len(wz.steps) {
		return
	}
	wz.current = i
	st := wz.steps[i]
	if wz.views[i] == nil {
		wz.loading = true
		wz.views[i] = st.View()
		wz.loading = false
	}
	wz.stepIntro.SetText(st.Intro)
	wz.body.Objects = []fyne.CanvasObject{wz.views[i]}
	wz.body.Refresh()
	if st.Enter != nil {
		wz.loading = true
		st.Enter()
		wz.loading = false
	}
	wz.update()
}

// focus puts the keyboard focus on the first field a step needs, so typing
// can start at once.
func (wz *wizard) focus(obj fyne.Focusable) {
	if wz.m.wizard != wz {
		return
	}
	if c := wz.m.win.Canvas(); c != nil {
		c.Focus(obj)
	}
}

// changed is called by the steps after every edit the person makes.
func (wz *wizard) changed() {
	if wz.loading {
		return
	}
	wz.dirty = true
	wz.update()
}

// update refreshes the header, the step indicator and the Back/Next buttons.
func (wz *wizard) update() {
	wz.header.SetText(wz.title())
	if wz.isNew {
		wz.m.draftChanged(wz.draft)
	}
	sub := describe(wz.draft)
	if pr, ok := smtp.PresetByID(wz.draft.Preset); ok {
		sub = presetName(pr) + " · " + sub
	}
	wz.subheader.SetText(sub)
	wz.updateUseButton()

	for i, b := range wz.indicator {
		switch {
		case i == wz.current:
			b.Importance = widget.HighImportance
			b.SetIcon(theme.RadioButtonCheckedIcon())
		case (i < wz.current || wz.reachable(i)) && wz.steps[i].Valid():
			// A step passed with a field still missing is not done.
			b.Importance = widget.LowImportance
			b.SetIcon(theme.ConfirmIcon())
		default:
			b.Importance = widget.LowImportance
			b.SetIcon(theme.RadioButtonIcon())
		}
		if i == wz.current || wz.reachable(i) {
			b.Enable()
		} else {
			b.Disable()
		}
		b.Refresh()
	}

	if wz.current == 0 {
		wz.back.Disable()
	} else {
		wz.back.Enable()
	}
	last := wz.current == len(wz.steps)-1
	if last {
		wz.next.Hide()
	} else {
		wz.next.Show()
	}
	if wz.steps[wz.current].ID == stepAccount {
		wz.next.SetText(i18n.L("Save and continue"))
	} else {
		wz.next.SetText(i18n.L("Next"))
	}
	valid := wz.steps[wz.current].Valid()
	busy := wz.account.busy
	if valid && !busy {
		wz.next.Enable()
	} else {
		wz.next.Disable()
	}
	switch {
	case last || valid:
		wz.navHint.box.Hide()
	case wz.steps[wz.current].ID == stepProvider && strings.TrimSpace(wz.address) == "" && !wz.provider.address.touched:
		// No address yet and none typed: nothing is wrong, so no warning;
		// say what to do.
		wz.navHint.set(theme.InfoIcon(), i18n.L("Type your email address to begin."), widget.MediumImportance)
		wz.navHint.box.Show()
	default:
		hint := wz.incompleteHint()
		if wz.steps[wz.current].ID == stepAccount && wz.account.fieldsValid() && wz.account.needsSignIn() {
			hint = wz.account.signInFirst()
		}
		wz.navHint.set(theme.WarningIcon(), hint, widget.WarningImportance)
		wz.navHint.box.Show()
	}
}

// reachable reports whether step i may be opened: every step before it is
// valid, and the test needs the profile saved.
func (wz *wizard) reachable(i int) bool {
	for j := 0; j < i; j++ {
		if !wz.steps[j].Valid() {
			return false
		}
	}
	if wz.steps[i].ID == stepTest && (wz.isNew || wz.dirty) {
		return false
	}
	return true
}

func (wz *wizard) onStep(i int) {
	if i == wz.current || !wz.reachable(i) {
		return
	}
	wz.goTo(i)
}

func (wz *wizard) onBack() {
	wz.goTo(wz.current - 1)
}

// onNext goes to the next step; on the Account step it saves first and
// moves on once the profile (and the password) are stored.
func (wz *wizard) onNext() {
	if wz.current >= len(wz.steps)-1 || !wz.steps[wz.current].Valid() || wz.account.busy {
		return
	}
	if wz.steps[wz.current].ID == stepProvider {
		// Detection that has not run for this address starts now; its
		// answer fills in the Server step when it comes.
		wz.provider.detectNow()
	}
	if wz.steps[wz.current].ID == stepAccount {
		wz.account.onSave(func() { wz.goTo(wz.current + 1) })
		return
	}
	wz.goTo(wz.current + 1)
}

// submit is the Enter key in a field: the same as Next.
func (wz *wizard) submit(string) {
	wz.onNext()
}

// edits has f's entry edit the draft: what the person types (not what the
// wizard fills in while loading) marks f touched and goes to apply, then
// the step's edited refreshes f and the page; Enter is Next.
func (wz *wizard) edits(f *field, edited func(*field), apply func(text string)) {
	f.entry.OnChanged = func(t string) {
		if wz.loading {
			return
		}
		f.touched = true
		apply(t)
		edited(f)
	}
	f.entry.OnSubmitted = wz.submit
}

// draftCheck is a field's check: the draft with the field's text (put sets
// it), as the profile's validation sees the field named name.
func (wz *wizard) draftCheck(name string, put func(p *smtp.Profile, text string)) func(string) error {
	return func(t string) error {
		p := wz.draft
		put(&p, t)
		return fieldError(p, name)
	}
}

// preset is the preset the draft uses (custom if unknown).
func (wz *wizard) preset() smtp.Preset {
	if p, ok := smtp.PresetByID(wz.draft.Preset); ok {
		return p
	}
	p, _ := smtp.PresetByID("custom")
	return p
}

// hasPassword reports whether a password is stored or typed.
func (wz *wizard) hasPassword() bool {
	return wz.secretStored || wz.password != ""
}

// lookUpSecret asks the secret store, in the background, whether a password
// is stored for the profile (the keyring may take a while to answer).
func (wz *wizard) lookUpSecret() {
	wz.account.oauth.check() // signed in with Google/Microsoft?
	name := wz.origName
	go func() {
		_, err := wz.m.secrets.Get(name)
		stored := err == nil
		checked := err == nil || errors.Is(err, smtp.ErrSecretNotFound)
		wz.m.ui(func() {
			if wz.origName != name {
				return
			}
			wz.secretChecked, wz.secretStored = checked, stored
			wz.account.secretKnown()
			wz.server.refreshWarnings()
			wz.update()
		})
	}()
}

// rebuilt makes the wizard again in the current language, with what was
// typed and chosen, and closes this one. Call restarted once its root is in
// the window.
func (old *wizard) rebuilt() *wizard {
	old.close()
	wz := newWizard(old.m, old.draft, old.isNew)
	wz.origName, wz.address, wz.password, wz.dirty = old.origName, old.address, old.password, old.dirty
	wz.secretChecked, wz.secretStored = old.secretChecked, old.secretStored
	wz.current = old.current

	op, np := old.provider, wz.provider
	np.auto, np.handPicked = op.auto, op.handPicked
	np.det = detection{ranFor: op.det.ranFor, state: op.det.state, say: op.det.say, username: op.det.username}
	if np.det.state == detectRunning {
		// Cancelled with the old wizard; restarted runs it again.
		np.det = detection{}
	} else if np.det.say != nil {
		np.det.text = np.det.say()
	}

	wz.server.byHand = old.server.byHand
	oa, na := old.account, wz.account
	na.usernameAuto, na.fromAuto, na.nameEdited, na.generated = oa.usernameAuto, oa.fromAuto, oa.nameEdited, oa.generated

	ot := old.test
	wz.test.recipientAuto = ot.recipientAuto
	if ot.recipient != nil && !ot.recipientAuto {
		wz.test.recipientText = ot.recipient.entry.Text
	}
	return wz
}

// restarted shows the step the old wizard showed, and starts again what
// closing it stopped.
func (wz *wizard) restarted() {
	wz.goTo(wz.current)
	if !wz.isNew && !wz.secretChecked {
		wz.lookUpSecret()
	}
	if p := wz.provider; p.det.state == detectIdle && p.det.ranFor == "" && detectable(wz.address) {
		p.scheduleDetect()
	}
}

// close stops anything the wizard runs (a test in progress, a detection).
func (wz *wizard) close() {
	wz.test.stop()
	wz.account.oauth.stop()
	wz.provider.stopDetect()
}

// profileMoved takes the new port and CA file of the profile open here,
// when something else saved them (mainUI.profileMoved).
func (wz *wizard) profileMoved(p smtp.Profile) {
	if !wz.isNew && wz.origName == p.Name {
		wz.draft.Port, wz.draft.CAFile = p.Port, p.CAFile
		wz.update()
	}
}

// autoLookupChanged looks the address up again, or says that lookup is
// off (mainUI.autoLookupChanged).
func (wz *wizard) autoLookupChanged() {
	if wz.provider.address != nil {
		wz.provider.scheduleDetect()
	}
}

// oauthClientsChanged has the sign-in panel check the client IDs again
// (mainUI.oauthClientsChanged).
func (wz *wizard) oauthClientsChanged() {
	if wz.account != nil && wz.account.oauth != nil {
		wz.account.oauth.recheck()
	}
}
