package oauth

import "net"

// Internals for the tests of package oauth_test.
var (
	DeviceDeadline = deviceDeadline
	ListenLoopback = listenLoopback
	WebAddress     = webAddress
)

// SetListenTCP replaces the listener of the loopback redirect until the
// returned func restores it.
func SetListenTCP(f func(addr string) (net.Listener, error)) (restore func()) {
	old := listenTCP
	listenTCP = f
	return func() { listenTCP = old }
}

// SystemBrowser is the opener used when Manager.Browser is nil.
func (m *Manager) SystemBrowser(url string) error { return m.systemBrowser(url) }
