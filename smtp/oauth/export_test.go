package oauth

import "net"

// Internals for the tests of package oauth_test.
var (
	DeviceDeadline = deviceDeadline
	ListenLoopback = listenLoopback
	WebAddress     = webAddress
	LockFileName   = lockFileName
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

// LockWaiting is how many callers wait for the token lock of profile in
// this process now (in the process's lock or its lock file).
func LockWaiting(profile string) int {
	profileLocks.Lock()
	defer profileLocks.Unlock()
	return profileLocks.waiting[profile]
}
