package queue

import (
	"context"
	"time"
)

// Worker delivers the outbox in the background for as long as its Run
// lasts: the window runs one while it is open. Use one Worker per Outbox.
type Worker struct {
	o    *Outbox
	cfg  Config
	wake chan struct{}

	// OnPass, if set, is called after each delivery pass with its summary
	// and error (an outbox error; the Worker keeps going and tries again
	// later). It is called from the Worker's goroutine.
	OnPass func(Summary, error)
}

// NewWorker returns a Worker delivering o's messages with cfg.
func (o *Outbox) NewWorker(cfg Config) *Worker {
	return &Worker{o: o, cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wake makes the Worker look for due messages at once, for example when the
// network comes back. Enqueue and Retry on the same Outbox wake it by
// themselves. Wake never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// minWait keeps a Worker from spinning when something is due but was just
// tried.
const minWait = 20 * time.Millisecond

// Run delivers until ctx is done, then returns nil: a pass at once, then
// one whenever a message becomes due, Wake is called, or this process adds
// or retries a message, and at least every Settings.Poll (for messages other
// processes added). A message being sent when ctx ends is left due again.
func (w *Worker) Run(ctx context.Context) error {
	poll := time.Duration(w.o.settings.Poll)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		sum, err := w.o.Run(ctx, w.cfg)
		if ctx.Err() != nil {
			return nil
		}
		if w.OnPass != nil {
			w.OnPass(sum, err)
		}
		wait := poll
		if err != nil {
			wait = min(poll, 30*time.Second)
		} else if next, nerr := w.o.NextDue(ctx); nerr == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(w.o.now()), minWait))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-w.o.changed:
		case <-w.o.closed:
			return ErrClosed
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}
