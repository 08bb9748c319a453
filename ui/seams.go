//go:build !nogui

package ui

import "github.com/smtpconf/smtpconf/smtp/relay"

// useSeams takes the window's view of the system and its timing from deps,
// with the real system and timing where deps leaves them unset.
func (m *mainUI) useSeams(deps Deps) {
	m.hasCJKFont = deps.HasCJKFont
	if m.hasCJKFont == nil {
		m.hasCJKFont = systemHasCJKFont
	}
	m.detectDelay = deps.DetectDelay
	if m.detectDelay <= 0 {
		m.detectDelay = defaultDetectDelay
	}
	m.netState = deps.NetState
	if m.netState == nil {
		m.netState = networkState
	}
	m.relayListen = deps.RelayListen
	if m.relayListen == "" {
		m.relayListen = relay.DefaultListen
	}
	m.relayService = deps.RelayService
	m.fontCheckSettled = deps.fontCheckSettled
	if m.fontCheckSettled == nil {
		m.fontCheckSettled = func(*mainUI) {}
	}
}
