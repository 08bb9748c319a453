//go:build !nogui

package ui

import (
	"time"

	"github.com/smtpconf/smtpconf/smtp/relay"
)

// useSeams takes the window's view of the system and its timing from deps,
// with the real system and timing where deps leaves them unset.
func (m *mainUI) useSeams(deps Deps) {
	m.hasCJKFont = deps.HasCJKFont
	if m.hasCJKFont == nil {
		m.hasCJKFont = systemHasCJKFont
	}
	m.detectDelay = positive(deps.DetectDelay, defaultDetectDelay)
	m.networkCheckEvery = positive(deps.NetworkCheckEvery, defaultNetworkCheckEvery)
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

// positive is d, or def when d is not above zero (left unset).
func positive(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
