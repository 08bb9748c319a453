//go:build !nogui

package ui

import (
	"sync"
	"testing"
	"time"
)

func TestWaitAtMost(t *testing.T) {
	var wg sync.WaitGroup
	if !waitAtMost(&wg, time.Second) {
		t.Error("nothing to wait for, yet it timed out")
	}
	wg.Add(1)
	if waitAtMost(&wg, 10*time.Millisecond) {
		t.Error("a running job was reported stopped")
	}
	wg.Done()
}
