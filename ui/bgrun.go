//go:build !nogui

package ui

import "context"

// bgRun is a screen's work in the background (a test send, a sign-in), one
// at a time. Each run gets a number, so that what an older run reports
// after a newer one started, or after the screen dropped it, is ignored.
// Only on the UI thread.
type bgRun struct {
	running bool
	cancel  context.CancelFunc
	run     int
}

// begin starts a run: its context, cancel (which ends it), and its number.
func (r *bgRun) begin() (ctx context.Context, cancel context.CancelFunc, run int) {
	ctx, cancel = context.WithCancel(context.Background())
	r.run++
	r.running, r.cancel = true, cancel
	return ctx, cancel, r.run
}

// finished: the run's outcome is in; its context ends.
func (r *bgRun) finished() {
	if r.cancel != nil {
		r.cancel()
	}
	r.running, r.cancel = false, nil
}

// abandon cancels the run, and what it still reports is ignored (the
// screen is closing).
func (r *bgRun) abandon() {
	r.finished()
	r.run++
}
