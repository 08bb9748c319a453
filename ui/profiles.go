//go:build !nogui

package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// profileItem is one row of the profile list: a saved profile, or the new
// profile being set up (draft) that is not in the profiles file yet.
type profileItem struct {
	profile smtp.Profile
	draft   bool
}

// profilesView is the left-hand side: the saved profiles with New,
// Duplicate, Rename and Delete, and the way to the test inbox.
type profilesView struct {
	m     *mainUI
	items []profileItem
	// selected is the index of the open item, -1 for none (the test inbox
	// or the outbox shown).
	selected int

	list      *widget.List
	newBtn    *widget.Button
	dupBtn    *widget.Button
	renameBtn *widget.Button
	deleteBtn *widget.Button
	inboxBtn  *widget.Button
	outboxBtn *widget.Button
	root      fyne.CanvasObject

	// defaultName is the default profile's name (useapps.go).
	defaultName string

	// ignoreSelect is set while the list is selected from code.
	ignoreSelect bool

	// The last dialogs opened, so tests can answer them.
	confirmDlg  *dialog.ConfirmDialog
	renameDlg   *dialog.FormDialog
	renameEntry *widget.Entry
}

func newProfilesView(m *mainUI) *profilesView {
	v := &profilesView{m: m, selected: -1}
	v.buildUI()
	return v
}

func (v *profilesView) buildUI() {
	v.list = widget.NewList(
		func() int { return len(v.items) },
		newTwoLineItem,
		func(id widget.ListItemID, obj fyne.CanvasObject) {
			if id >= len(v.items) {
				return
			}
			it := v.items[id]
			name, sub := twoLines(obj)
			if it.draft {
				name.SetText(draftTitle(it.profile))
				sub.SetText(i18n.L("Not saved yet"))
				return
			}
			name.SetText(it.profile.Name)
			sub.SetText(listSubtitle(it.profile, it.profile.Name == v.defaultName))
		},
	)
	v.list.OnSelected = v.onSelected

	v.newBtn = widget.NewButtonWithIcon(i18n.L("New"), theme.ContentAddIcon(), v.onNew)
	v.dupBtn = widget.NewButtonWithIcon(i18n.L("Duplicate"), theme.ContentCopyIcon(), v.onDuplicate)
	v.renameBtn = widget.NewButtonWithIcon(i18n.L("Rename"), theme.DocumentCreateIcon(), v.onRename)
	v.deleteBtn = widget.NewButtonWithIcon(i18n.L("Delete"), theme.DeleteIcon(), v.onDelete)
	v.inboxBtn = widget.NewButtonWithIcon(i18n.L("Test inbox"), theme.MailComposeIcon(), v.m.showInbox)
	v.inboxBtn.Alignment = widget.ButtonAlignLeading
	v.outboxBtn = widget.NewButtonWithIcon(i18n.L("Outbox"), theme.UploadIcon(), v.m.showOutbox)
	v.outboxBtn.Alignment = widget.ButtonAlignLeading

	top := container.NewVBox(
		heading(i18n.L("Profiles")),
		container.NewGridWithColumns(2, v.newBtn, v.dupBtn, v.renameBtn, v.deleteBtn),
		widget.NewSeparator(),
	)
	bottom := container.NewVBox(widget.NewSeparator(), v.inboxBtn, v.outboxBtn)
	v.root = container.NewBorder(top, bottom, nil, nil, v.list)
	v.updateButtons()
}

// draftTitle names a profile that has not been saved yet.
func draftTitle(p smtp.Profile) string {
	if p.Name != "" {
		return p.Name
	}
	return i18n.L("New profile")
}

// load reads the profiles file and opens the profile named last (the one
// open when the app was last closed), else the first. With no profiles at
// all it starts a new one on the local test inbox, which works end to end
// without any account.
func (v *profilesView) load(last string) {
	v.reload()
	if len(v.items) == 0 {
		v.onNew()
		return
	}
	idx := 0
	for i, it := range v.items {
		if it.profile.Name == last {
			idx = i
		}
	}
	v.list.Select(idx)
}

// reload reads the profiles file again, keeping a draft if there is one.
func (v *profilesView) reload() {
	var draft *profileItem
	for _, it := range v.items {
		if it.draft {
			d := it
			draft = &d
		}
	}
	profiles, err := v.m.store.List()
	if err != nil {
		v.m.showError(i18n.L("The profiles file cannot be read"), err)
	}
	v.defaultName, _ = v.m.store.Default()
	v.items = v.items[:0]
	if draft != nil {
		v.items = append(v.items, *draft)
	}
	for _, p := range profiles {
		v.items = append(v.items, profileItem{profile: p})
	}
	v.list.Refresh()
}

// indexOf finds a saved profile by name, -1 if absent.
func (v *profilesView) indexOf(name string) int {
	for i, it := range v.items {
		if !it.draft && it.profile.Name == name {
			return i
		}
	}
	return -1
}

func (v *profilesView) draftIndex() int {
	for i, it := range v.items {
		if it.draft {
			return i
		}
	}
	return -1
}

// selectQuietly marks row i as selected without reopening it.
func (v *profilesView) selectQuietly(i int) {
	v.ignoreSelect = true
	defer func() { v.ignoreSelect = false }()
	if i < 0 {
		v.list.UnselectAll()
	} else {
		v.list.Select(i)
	}
	v.selected = i
	v.updateButtons()
}

func (v *profilesView) current() (profileItem, bool) {
	if v.selected < 0 || v.selected >= len(v.items) {
		return profileItem{}, false
	}
	return v.items[v.selected], true
}

func (v *profilesView) updateButtons() {
	it, ok := v.current()
	saved := ok && !it.draft
	for _, b := range []*widget.Button{v.dupBtn, v.renameBtn} {
		if saved {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if ok {
		v.deleteBtn.Enable()
	} else {
		v.deleteBtn.Disable()
	}
	if m := v.m; m.menu != nil {
		m.menuDup.Disabled = v.dupBtn.Disabled()
		m.menuRename.Disabled = v.renameBtn.Disabled()
		m.menuDelete.Disabled = v.deleteBtn.Disabled()
		m.menuUse.Disabled = !saved
		m.menu.Refresh()
	}
	v.updateInboxButton()
}

// updateInboxButton shows how many messages the test inbox holds.
func (v *profilesView) updateInboxButton() {
	n := v.m.local.count()
	if n > 0 {
		v.inboxBtn.SetText(i18n.L("Test inbox ({{.Count}})", map[string]any{"Count": n}))
	} else {
		v.inboxBtn.SetText(i18n.L("Test inbox"))
	}
	highlight(v.inboxBtn, v.m.inboxShown())
}

// updateOutboxButton shows how many messages wait in the outbox (UI thread).
func (v *profilesView) updateOutboxButton() {
	if v.outboxBtn == nil || v.m.outbox == nil {
		return
	}
	// Waiting messages, and outcomes not yet seen in the Outbox view.
	n := v.m.outbox.counts.Waiting() + v.m.outbox.unseen
	switch {
	case !v.m.outbox.available():
		v.outboxBtn.SetIcon(theme.NewWarningThemedResource(theme.WarningIcon()))
		v.outboxBtn.SetText(i18n.L("Outbox"))
	case n > 0:
		v.outboxBtn.SetIcon(theme.UploadIcon())
		v.outboxBtn.SetText(i18n.L("Outbox ({{.Count}})", map[string]any{"Count": n}))
	default:
		v.outboxBtn.SetIcon(theme.UploadIcon())
		v.outboxBtn.SetText(i18n.L("Outbox"))
	}
	highlight(v.outboxBtn, v.m.outboxShown())
}

// onSelected opens the chosen profile, asking first if the open one has
// unsaved changes.
func (v *profilesView) onSelected(id widget.ListItemID) {
	if v.ignoreSelect || id == v.selected {
		return
	}
	if id < 0 || id >= len(v.items) {
		return
	}
	prev := v.selected
	// Remember which profile was clicked, not its row: discarding a draft
	// removes its row and shifts the others up.
	target := v.items[id]
	v.confirmDiscard(func(ok bool) {
		if !ok {
			v.selectQuietly(prev)
			return
		}
		if target.draft {
			v.open(v.draftIndex())
		} else {
			v.open(v.indexOf(target.profile.Name))
		}
	})
}

// confirmDiscard calls then(true) at once if nothing would be lost,
// otherwise after asking.
func (v *profilesView) confirmDiscard(then func(bool)) {
	title, dirty := v.m.unsavedChanges()
	if !dirty || v.selected < 0 {
		then(true)
		return
	}
	v.confirmDlg = dialog.NewConfirm(i18n.L("Discard changes?"),
		i18n.L("The changes to “{{.Name}}” have not been saved. Discard them?", map[string]any{"Name": title}),
		func(ok bool) {
			if ok {
				v.m.changesDiscarded()
				if it, has := v.current(); has && it.draft {
					v.dropDraft()
				}
			}
			then(ok)
		}, v.m.win)
	v.confirmDlg.SetConfirmText(i18n.L("Discard"))
	v.confirmDlg.SetDismissText(i18n.L("Keep editing"))
	v.confirmDlg.Show()
}

// open shows the setup of item i on the right.
func (v *profilesView) open(i int) {
	if i < 0 || i >= len(v.items) {
		return
	}
	v.selectQuietly(i)
	it := v.items[i]
	v.m.profileSelected(it.profile, it.draft)
	if !it.draft {
		v.m.app.Preferences().SetString(prefLastProfile, it.profile.Name)
	}
}

// onNew starts a new profile. It is a draft in the list until the Account
// step saves it. The local test inbox is pre-selected: it works without an
// account, and typing an address with a known domain picks that provider.
func (v *profilesView) onNew() {
	if i := v.draftIndex(); i >= 0 && i == v.selected {
		return // the new profile is already open
	}
	v.confirmDiscard(func(ok bool) {
		if !ok {
			return
		}
		if i := v.draftIndex(); i >= 0 {
			v.open(i)
			return
		}
		var p smtp.Profile
		if pr, found := smtp.PresetByID("local"); found {
			p.ApplyPreset(pr)
		}
		v.items = append([]profileItem{{profile: p, draft: true}}, v.items...)
		v.list.Refresh()
		v.open(0)
	})
}

// updateDraft shows the new profile's current name in the list.
func (v *profilesView) updateDraft(p smtp.Profile) {
	if i := v.draftIndex(); i >= 0 && v.items[i].profile.Name != p.Name {
		v.items[i].profile = p
		v.list.RefreshItem(i)
	}
}

// dropDraft removes the unsaved new profile from the list.
func (v *profilesView) dropDraft() {
	i := v.draftIndex()
	if i < 0 {
		return
	}
	v.items = append(v.items[:i], v.items[i+1:]...)
	if v.selected == i {
		v.selected = -1
	} else if v.selected > i {
		v.selected--
	}
	v.list.Refresh()
}

// saved is called by the wizard after it stored p (created, or updated
// under the same name): the list is reloaded and p stays selected without
// reopening its setup.
func (v *profilesView) saved(p smtp.Profile) {
	v.dropDraft()
	v.reload()
	v.selectQuietly(v.indexOf(p.Name))
	v.m.app.Preferences().SetString(prefLastProfile, p.Name)
}

// uniqueName returns base, or base with a number added, that no saved
// profile uses (ignoring case, as the store does).
func (v *profilesView) uniqueName(base string) string {
	taken := func(n string) bool {
		for _, it := range v.items {
			if !it.draft && strings.EqualFold(it.profile.Name, n) {
				return true
			}
		}
		return false
	}
	if base == "" {
		base = "profile"
	}
	if !taken(base) {
		return base
	}
	for i := 2; ; i++ {
		n := fmt.Sprintf("%s %d", base, i)
		if !taken(n) {
			return n
		}
	}
}

// nameTaken reports whether another saved profile uses name (ignoring case).
func (v *profilesView) nameTaken(name, except string) bool {
	for _, it := range v.items {
		if !it.draft && it.profile.Name != except && strings.EqualFold(it.profile.Name, name) {
			return true
		}
	}
	return false
}

// onDuplicate saves a copy of the selected profile under a new name and
// copies its password (in the background: the keyring may be slow).
func (v *profilesView) onDuplicate() {
	it, ok := v.current()
	if !ok || it.draft {
		return
	}
	src := it.profile
	cp := src
	cp.Name = v.uniqueName(i18n.L("{{.Name}} copy", map[string]any{"Name": src.Name}))
	if err := v.m.store.Save(cp); err != nil {
		v.m.showError(i18n.L("The profile could not be duplicated"), err)
		return
	}
	v.reload()
	v.open(v.indexOf(cp.Name))
	go func() {
		secret, err := v.m.secrets.Get(src.Name)
		if errors.Is(err, smtp.ErrSecretNotFound) {
			return
		}
		if err == nil {
			err = v.m.secrets.Set(cp.Name, secret)
		}
		if err != nil {
			v.m.showError(i18n.L("The password was not copied to “{{.Name}}”", map[string]any{"Name": cp.Name}), err)
		}
	}()
}

// onRename asks for a new name, renames the profile in the profiles file and
// moves its password in the keyring.
func (v *profilesView) onRename() {
	it, ok := v.current()
	if !ok || it.draft {
		return
	}
	old := it.profile.Name
	v.renameEntry = widget.NewEntry()
	v.renameEntry.SetText(old)
	v.renameEntry.Validator = func(s string) error {
		if err := smtp.ValidateName(s); err != nil {
			return errors.New(humanError(err))
		}
		if v.nameTaken(s, old) {
			return errors.New(i18n.L("Another profile already has this name."))
		}
		return nil
	}
	item := widget.NewFormItem(i18n.L("New name"), v.renameEntry)
	v.renameDlg = dialog.NewForm(i18n.L("Rename profile"), i18n.L("Rename"), i18n.L("Cancel"),
		[]*widget.FormItem{item}, func(ok bool) {
			if ok {
				v.rename(old, v.renameEntry.Text)
			}
		}, v.m.win)
	v.renameDlg.Resize(fyne.NewSize(420, 0))
	v.renameDlg.Show()
	v.m.win.Canvas().Focus(v.renameEntry)
}

func (v *profilesView) rename(old, name string) {
	if name == old {
		return
	}
	if err := v.m.store.Rename(old, name); err != nil {
		v.m.showError(i18n.L("The profile could not be renamed"), err)
		return
	}
	v.reload()
	v.open(v.indexOf(name))
	go func() {
		if err := v.m.secrets.Rename(old, name); err != nil {
			v.m.showError(i18n.L("The password could not be moved to the new name"), err)
		}
	}()
}

// onDelete removes the selected profile after asking; a draft is simply
// dropped. The password is deleted from the keyring in the background.
func (v *profilesView) onDelete() {
	it, ok := v.current()
	if !ok {
		return
	}
	if it.draft {
		v.m.changesDiscarded()
		v.dropDraft()
		v.afterRemoval()
		return
	}
	name := it.profile.Name
	v.confirmDlg = v.m.confirmAction(i18n.L("Delete profile?"),
		i18n.L("Delete “{{.Name}}” and its saved password? This cannot be undone.", map[string]any{"Name": name}),
		i18n.L("Delete"), true, func() { v.delete(name) })
}

func (v *profilesView) delete(name string) {
	if err := v.m.store.Delete(name); err != nil {
		v.m.showError(i18n.L("The profile could not be deleted"), err)
		return
	}
	v.m.changesDiscarded()
	v.selected = -1
	v.reload()
	v.afterRemoval()
	go func() {
		if err := v.m.secrets.Delete(name); err != nil {
			v.m.showError(i18n.L("The profile was deleted, but its password could not be removed from the keyring"), err)
		}
	}()
}

// afterRemoval opens another profile, or a new one when none is left.
func (v *profilesView) afterRemoval() {
	v.selected = -1
	if len(v.items) == 0 {
		v.onNew()
		return
	}
	v.open(0)
}

// leaveProfile closes the open profile (asking first if it has unsaved
// changes) and then calls show.
func (v *profilesView) leaveProfile(show func()) {
	v.confirmDiscard(func(ok bool) {
		if !ok {
			return
		}
		v.selectQuietly(-1)
		v.m.profileClosed()
		show()
	})
}
