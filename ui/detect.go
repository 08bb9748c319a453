//go:build !nogui

package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/detect"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// defaultDetectDelay is how long after the last keystroke in the address
// field detection starts (Deps.DetectDelay changes it).
const defaultDetectDelay = 600 * time.Millisecond

// detectState is what the detection line shows.
type detectState int

const (
	detectIdle    detectState = iota // nothing shown
	detectRunning                    // spinner and "Looking up…"
	detectFound                      // where the settings came from
	detectNone                       // nothing found
)

// detectLine is a spinner or an icon beside a wrapped text: the state of
// the settings detection, shown on the Provider and Server steps.
type detectLine struct {
	spin *widget.Activity
	icon *widget.Icon
	text *widget.Label
	box  *fyne.Container
}

func newDetectLine() *detectLine {
	l := &detectLine{spin: widget.NewActivity(), icon: widget.NewIcon(theme.InfoIcon()), text: wrapped("")}
	l.box = container.NewBorder(nil, nil, container.NewCenter(container.NewStack(l.spin, l.icon)), nil, l.text)
	l.box.Hide()
	return l
}

func (l *detectLine) show(state detectState, text string) {
	switch state {
	case detectIdle:
		l.spin.Stop()
		l.box.Hide()
		return
	case detectRunning:
		l.icon.Hide()
		l.spin.Show()
		l.spin.Start()
	case detectFound:
		l.spin.Stop()
		l.spin.Hide()
		l.icon.SetResource(theme.SearchIcon())
		l.icon.Show()
	case detectNone:
		l.spin.Stop()
		l.spin.Hide()
		l.icon.SetResource(theme.InfoIcon())
		l.icon.Show()
	}
	l.text.SetText(text)
	l.box.Show()
}

// detection is the provider step's state of the settings detection. It is
// only touched on the UI thread.
type detection struct {
	timer  *time.Timer
	cancel context.CancelFunc
	// gen counts address changes; a result of an older generation is stale.
	gen int
	// ranFor is the address of the running or last finished detection.
	ranFor string
	state  detectState
	text   string
	// say makes text, again in a new language when the window is redrawn.
	say func() string
	// username is the detected user name for ranFor ("" if none).
	username string
	// returned counts the results that came back, applied or (stale)
	// ignored: tests wait for it before they check a stale one was ignored.
	returned int
}

// detectable reports whether an address needs detection: it is valid and no
// preset knows its domain (a preset is chosen at once, without network).
func detectable(addr string) bool {
	if validateAddress(addr) != nil {
		return false
	}
	_, ok := smtp.PresetForAddress(addr)
	return !ok
}

// stopDetect cancels a pending or running detection; its result, if it
// still arrives, is ignored.
func (s *providerStep) stopDetect() {
	s.det.gen++
	if s.det.timer != nil {
		s.det.timer.Stop()
		s.det.timer = nil
	}
	if s.det.cancel != nil {
		s.det.cancel()
		s.det.cancel = nil
	}
}

// scheduleDetect is called after every change of the address: it cancels
// what runs and starts detection the window's detectDelay after the last change.
func (s *providerStep) scheduleDetect() {
	s.stopDetect()
	s.det.ranFor = ""
	s.det.username = ""
	s.setDetect(detectIdle, nil)
	addr := s.wz.address
	if !detectable(addr) {
		return
	}
	if !s.wz.m.autoLookup() {
		s.setDetect(detectNone, func() string {
			return i18n.L("Automatic lookup is off (Settings): pick your provider below, or choose “Custom server” and enter the server yourself.")
		})
		return
	}
	gen := s.det.gen
	m := s.wz.m
	s.det.timer = time.AfterFunc(m.detectDelay, func() {
		m.ui(func() {
			if s.det.gen == gen && s.wz.address == addr {
				s.det.timer = nil
				s.startDetect()
			}
		})
	})
}

// detectNow starts detection at once (Next was pressed) unless it already
// ran or runs for the address.
func (s *providerStep) detectNow() {
	addr := s.wz.address
	if !detectable(addr) || s.det.ranFor == addr || !s.wz.m.autoLookup() {
		return
	}
	s.stopDetect()
	s.startDetect()
}

// startDetect runs the session's detector for the address in a goroutine.
func (s *providerStep) startDetect() {
	wz := s.wz
	addr := wz.address
	det := wz.m.detector
	if det == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.det.cancel = cancel
	s.det.ranFor = addr
	gen := s.det.gen
	s.setDetect(detectRunning, func() string {
		return i18n.L("Looking up the settings for {{.Domain}}…", map[string]any{"Domain": domainOf(addr)})
	})
	go func() {
		r, err := det.Detect(ctx, addr)
		cancel()
		wz.m.ui(func() {
			s.det.returned++
			if s.det.gen != gen || wz.m.wizard != wz {
				return
			}
			s.det.cancel = nil
			s.applyDetected(addr, r, err)
		})
	}()
}

// domainOf is the part of an address after the @.
func domainOf(addr string) string {
	if _, a, err := smtp.ParseAddress(addr); err == nil {
		addr = a
	}
	return addr[strings.LastIndexByte(addr, '@')+1:]
}

// setDetect shows the detection state on the Provider and Server steps.
// say makes the text (nil for none); it is kept so that a window redrawn
// in another language can say it again.
func (s *providerStep) setDetect(state detectState, say func() string) {
	text := ""
	if say != nil {
		text = say()
	}
	s.det.state, s.det.text, s.det.say = state, text, say
	s.showDetect()
}

// showDetect draws the detection state on both steps. "Nothing found" is
// news only while no provider is chosen, or Custom server is: beside a
// chosen preset whose settings are filled in it would contradict the page.
func (s *providerStep) showDetect() {
	state, text := s.det.state, s.det.text
	if state == detectNone && s.wz.draft.Preset != "" && s.wz.draft.Preset != "custom" {
		state = detectIdle
	}
	if s.detLine != nil {
		s.detLine.show(state, text)
	}
	if l := s.wz.server.detLine; l != nil {
		l.show(state, text)
	}
}

// applyDetected puts a detection result in the draft, unless the person
// chose a provider or typed server settings themselves.
func (s *providerStep) applyDetected(addr string, r detect.Result, err error) {
	wz := s.wz
	if err != nil || !r.OK || r.Source == detect.SourcePreset {
		if err == nil && r.OK {
			s.setDetect(detectIdle, nil)
			return
		}
		s.setDetect(detectNone, func() string {
			return i18n.L("No settings found automatically; pick your provider or enter the server yourself.")
		})
		if !s.handPicked && !wz.server.byHand.host && wz.draft.Preset == "custom" && wz.draft.Host != "" {
			// The server came with an earlier address (its provider, or
			// detection) and was not typed: it does not fit this one.
			wz.draft.Host = ""
			wz.server.fill()
			wz.changed()
		}
		return
	}
	unverified := !r.Verified && r.Security != smtp.SecurityNone
	say := func(kept string) func() string {
		return func() string {
			text := detectSourceText(addr, r)
			if unverified {
				text += " " + i18n.L("(certificate not verified)")
			}
			switch kept {
			case "provider":
				text += " " + i18n.L("Your own choice of provider was kept.")
			case "server":
				text += " " + i18n.L("The server settings you typed were kept.")
			}
			return displayText(text)
		}
	}
	if s.handPicked && !(wz.isNew && wz.draft.Preset == "custom") {
		// A provider picked by hand (or saved before) stays; only a
		// hand-picked Custom server of a new profile is filled in.
		s.setDetect(detectFound, say("provider"))
		return
	}
	bh := wz.server.byHand
	edited := bh.host || bh.port || bh.security || bh.auth
	pr, ok := smtp.PresetByID(r.PresetID)
	if !ok || r.Source != detect.SourceMX || edited || s.handPicked {
		// A preset would replace the server typed by hand, or the
		// Custom server picked by hand.
		pr, _ = smtp.PresetByID("custom")
	}
	if pr.ID != wz.draft.Preset {
		s.choose(pr)
	}
	// Like a preset matched by the domain: another address may replace it.
	s.auto = pr.ID != "custom"
	if pr.ID == "custom" {
		if !bh.host {
			wz.draft.Host = r.Host
		}
		if !bh.port && r.Port != 0 {
			wz.draft.Port = r.Port
		}
		if !bh.security && r.Security != "" {
			wz.draft.Security = r.Security
		}
		if !bh.auth && r.Auth != "" {
			wz.draft.Auth = r.Auth
		}
	}
	kept := ""
	if edited {
		kept = "server"
	}
	if r.Username != "" && r.Username != addr && wz.account.usernameAuto {
		s.det.username = r.Username
	}
	s.setDetect(detectFound, say(kept))
	wz.server.fill()
	wz.changed()
}

// detectedUsername is the user name detection suggests for the address
// ("" if none).
func (s *providerStep) detectedUsername() string {
	if s.det.ranFor != s.wz.address {
		return ""
	}
	return s.det.username
}

// detectSourceText says where a detected answer came from.
func detectSourceText(addr string, r detect.Result) string {
	domain := domainOf(addr)
	server := fmt.Sprintf("%s:%d · %s", r.Host, r.Port, smtp.SecurityName(r.Security, smtp.Title))
	switch r.Source {
	case detect.SourceSRV:
		return i18n.L("Found in {{.Domain}}'s DNS (SRV record): {{.Server}}", map[string]any{"Domain": domain, "Server": server})
	case detect.SourceAutoconfig:
		if r.Config == detect.ConfigISPDB {
			return i18n.L("Found in the ISPDB entry for {{.Domain}}: {{.Server}}", map[string]any{"Domain": domain, "Server": server})
		}
		return i18n.L("Found in {{.Domain}}'s autoconfig file: {{.Server}}", map[string]any{"Domain": domain, "Server": server})
	case detect.SourceMX:
		mx := r.MXHost
		if pr, ok := smtp.PresetByID(r.PresetID); ok {
			return i18n.L("Matched MX {{.MX}} → {{.Name}}", map[string]any{"MX": mx, "Name": presetName(pr)})
		}
		return i18n.L("Matched MX {{.MX}} → {{.Server}}", map[string]any{"MX": mx, "Server": server})
	case detect.SourceProbe:
		hp := r.Host + ":" + strconv.Itoa(r.Port)
		if r.Security == smtp.SecurityNone {
			return i18n.L("Probed: {{.Server}} answered without encryption", map[string]any{"Server": hp})
		}
		sec := "TLS"
		if r.Security == smtp.SecuritySTARTTLS {
			sec = "STARTTLS"
		}
		return i18n.L("Probed: {{.Server}} answered with {{.Security}}", map[string]any{"Server": hp, "Security": sec})
	}
	return i18n.L("Found automatically: {{.Server}}", map[string]any{"Server": server})
}
