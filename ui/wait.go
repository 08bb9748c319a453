//go:build !nogui

package ui

import (
	"sync"
	"time"
)

// waitAtMost waits for wg, but no longer than d, so that closing the window
// never hangs on a send or a relay session that does not stop; it reports
// whether everything stopped in time.
func waitAtMost(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
