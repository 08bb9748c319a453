//go:build !nogui

package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// providerStep is the first page: the email address, then the provider
// preset, pre-selected from the address's domain.
type providerStep struct {
	wz *wizard

	address *field
	search  *widget.Entry
	list    *widget.List
	chosen  *notice

	all   []smtp.Preset
	shown []smtp.Preset
	// auto is set while the selected preset is the one the address matched,
	// so typing another address may replace it; picking by hand clears it.
	auto bool
	// ignoreSelect is set while the list is selected from code.
	ignoreSelect bool
	// handPicked is set once the person picked a provider in the list (or
	// the profile was saved before): detection then keeps the provider and
	// fills in only a new profile's hand-picked Custom server.
	handPicked bool

	det     detection
	detLine *detectLine
}

func newProviderStep(wz *wizard) *providerStep {
	s := &providerStep{wz: wz, handPicked: !wz.isNew}
	// The two choices that are not a provider come first: the local test
	// inbox (what a first try should use) and "Custom server".
	all := smtp.Presets()
	first := []string{"local", "custom"}
	for _, id := range first {
		for _, p := range all {
			if p.ID == id {
				s.all = append(s.all, p)
			}
		}
	}
	for _, p := range all {
		if !slices.Contains(first, p.ID) {
			s.all = append(s.all, p)
		}
	}
	s.shown = s.all
	return s
}

// heading is the step's title and the sentence under it.
func (s *providerStep) heading() (title, intro string) {
	return i18n.L("Provider"),
		i18n.L("Type your email address, then check the provider below: it fills in the server settings for you. Pick “Local test inbox” to try everything on this computer without an account.")
}

// validateAddress is the address field's validator.
func validateAddress(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New(i18n.L("Enter your email address, for example ann@example.com."))
	}
	return smtp.ValidateAddress(s)
}

func (s *providerStep) view() fyne.CanvasObject {
	entry := widget.NewEntry()
	entry.SetPlaceHolder("ann@example.com")
	s.address = newField(i18n.L("Email address"), entry,
		i18n.L("The address you send from. Its domain picks the provider below."), validateAddress)
	entry.OnChanged = s.onAddress
	entry.OnSubmitted = s.wz.submit

	s.search = widget.NewEntry()
	s.search.SetPlaceHolder(i18n.L("Search providers by name or server"))
	s.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	s.search.OnChanged = s.onSearch

	s.list = widget.NewList(
		func() int { return len(s.shown) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			host := widget.NewLabel("")
			host.Truncation = fyne.TextTruncateEllipsis
			note := widget.NewLabel("")
			note.SizeName = theme.SizeNameCaptionText
			note.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(container.NewBorder(nil, nil, name, nil, host), note)
		},
		func(id widget.ListItemID, obj fyne.CanvasObject) {
			if id >= len(s.shown) {
				return
			}
			p := s.shown[id]
			box := obj.(*fyne.Container)
			row := box.Objects[0].(*fyne.Container)
			// Border puts the centre object first.
			host, name := row.Objects[0].(*widget.Label), row.Objects[1].(*widget.Label)
			note := box.Objects[1].(*widget.Label)
			name.SetText(presetName(p))
			host.SetText(presetServer(p))
			note.SetText(presetNotes(p))
		},
	)
	s.list.OnSelected = s.onSelected

	s.chosen = newNotice(theme.ConfirmIcon(), "", widget.MediumImportance)

	s.detLine = newDetectLine()

	top := container.NewVBox(
		s.address.object(),
		s.detLine.box,
		widget.NewLabelWithStyle(i18n.L("Provider"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.search,
	)
	s.showDetect()
	return container.NewBorder(top, s.chosen.box, nil, nil, s.list)
}

// presetServer is "host:port · security" for a preset, or a word for the
// presets that have no fixed server.
func presetServer(p smtp.Preset) string {
	switch {
	case p.ID == "custom":
		return i18n.L("any server")
	case p.ID == "local":
		return i18n.L("on this computer")
	}
	return fmt.Sprintf("%s:%d · %s", p.Host, p.Port, smtp.SecurityName(p.Security, smtp.Title))
}

func (s *providerStep) enter() {
	s.address.set(s.wz.address)
	s.showSelection()
	if s.wz.address == "" {
		s.wz.focus(s.address.entry)
	}
}

// valid: a valid address and a provider chosen.
func (s *providerStep) valid() bool {
	return validateAddress(s.wz.address) == nil && s.wz.draft.Preset != ""
}

func (s *providerStep) onAddress(text string) {
	if s.wz.loading {
		return
	}
	s.address.touched = true
	s.address.refresh()
	s.wz.address = strings.TrimSpace(text)
	if pr, ok := smtp.PresetForAddress(s.wz.address); ok {
		if pr.ID != s.wz.draft.Preset && (s.auto || s.wz.draft.Preset == "" || s.wz.draft.Preset == "local" || s.wz.draft.Preset == "custom") {
			s.choose(pr)
		}
		s.auto = true
	} else if s.auto || (!s.handPicked && s.wz.draft.Preset == "local" && validateAddress(s.wz.address) == nil) {
		// The domain matched a provider a moment ago but no longer does,
		// or it is a real account no preset knows: the test inbox chosen
		// for a first start must not stay chosen for it. Detection fills
		// in the Custom server when it finds something.
		if pr, ok := smtp.PresetByID("custom"); ok {
			s.choose(pr)
		}
		s.auto = false
	}
	s.scheduleDetect()
	s.wz.changed()
}

// choose applies a preset to the draft and selects it in the list.
func (s *providerStep) choose(pr smtp.Preset) {
	s.wz.applyPreset(pr)
	s.showSelection()
	s.showDetect()
}

// showSelection selects the draft's preset in the list and says which it is.
func (s *providerStep) showSelection() {
	idx := -1
	for i, p := range s.shown {
		if p.ID == s.wz.draft.Preset {
			idx = i
		}
	}
	s.ignoreSelect = true
	if idx >= 0 {
		s.list.Select(idx)
		s.list.ScrollTo(idx)
	} else {
		s.list.UnselectAll()
	}
	s.ignoreSelect = false

	pr, ok := smtp.PresetByID(s.wz.draft.Preset)
	if !ok {
		s.chosen.set(theme.InfoIcon(), i18n.L("No provider chosen yet: pick one from the list, or “Custom server”."), widget.MediumImportance)
		return
	}
	s.chosen.set(theme.ConfirmIcon(), i18n.L("Chosen: {{.Name}} ({{.Server}})", map[string]any{
		"Name": presetName(pr), "Server": presetServer(pr)}), widget.MediumImportance)
}

// presetName is a preset's name in the window's language.
func presetName(p smtp.Preset) string { return p.LocalName() }

// presetNotes is a preset's note in the window's language, for its font.
func presetNotes(p smtp.Preset) string { return displayText(p.LocalNotes()) }

func (s *providerStep) onSelected(id widget.ListItemID) {
	if s.ignoreSelect || id >= len(s.shown) {
		return
	}
	pr := s.shown[id]
	m, ok := smtp.PresetForAddress(s.wz.address)
	s.auto = ok && m.ID == pr.ID
	s.handPicked = true
	if pr.ID != s.wz.draft.Preset {
		s.choose(pr)
		s.wz.changed()
	}
}

// onSearch filters the presets by name, server, id or domain.
func (s *providerStep) onSearch(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		s.shown = s.all
	} else {
		s.shown = nil
		for _, p := range s.all {
			hay := strings.ToLower(strings.Join(append([]string{p.ID, p.Name, presetName(p), p.Host}, p.Domains...), " "))
			if strings.Contains(hay, q) {
				s.shown = append(s.shown, p)
			}
		}
	}
	s.list.Refresh()
	s.showSelection()
}

// applyPreset puts a preset's server settings in the draft. The user name is
// reset to the preset's fixed one, or left for the Account step to fill
// from the address. Leaving the local test inbox drops its CA file.
func (wz *wizard) applyPreset(pr smtp.Preset) {
	if wz.draft.Preset == "local" && pr.ID != "local" {
		wz.draft.CAFile = ""
	}
	if pr.ID == "custom" {
		if wz.draft.Preset == "local" {
			// The test inbox's server (127.0.0.1:2525) is no start for a
			// real one: begin from the standard submission port.
			wz.draft.Host, wz.draft.Port, wz.draft.Security, wz.draft.Auth = "", 0, "", ""
		}
		// Keep a server typed earlier; only fill what is missing.
		wz.draft.Preset = pr.ID
		if wz.draft.Port == 0 {
			wz.draft.Port = pr.Port
		}
		if wz.draft.Security == "" {
			wz.draft.Security = pr.Security
		}
		if wz.draft.Auth == "" {
			wz.draft.Auth = pr.Auth
		}
		if wz.draft.Host == "127.0.0.1" {
			wz.draft.Host = ""
		}
		return
	}
	if wz.account.usernameAuto || wz.draft.Username == "" {
		wz.draft.Username = ""
		wz.account.usernameAuto = true
	}
	wz.draft.ApplyPreset(pr)
	// Signing in needs an OAuth client ID, which this build may lack
	// (distributors set one; people can register their own). Without one,
	// start from the password method where the provider still allows it, so
	// the usual path works at once; "Sign in with …" stays on offer.
	if wz.draft.Auth == smtp.AuthXOAUTH2 && pr.PasswordAuth() != smtp.AuthXOAUTH2 {
		if id, ok := oauth.ProviderForPreset(pr.ID); ok {
			if _, err := wz.m.oauth.Config(id); err != nil {
				wz.draft.Auth = pr.PasswordAuth()
			}
		}
	}
}
