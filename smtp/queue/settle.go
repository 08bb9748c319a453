package queue

import (
	"context"
	"time"
)

// settlePoll is how often Settled looks at the messages other runs send.
const settlePoll = 50 * time.Millisecond

// Settled returns the outbox's counts once no live process is sending a
// message any more, or when ctx is done: the final state that a run's
// summary reports. Two `queue run` at once each finish their own messages;
// the one that finishes first would otherwise count the other's messages,
// still being sent, as waiting. A message whose sender is gone, or whose
// lease has ended, is not waited for.
func (o *Outbox) Settled(ctx context.Context) (Counts, error) {
	t := time.NewTicker(settlePoll)
	defer t.Stop()
	for {
		busy, err := o.sendingElsewhere(ctx)
		if err != nil || !busy {
			c, cerr := o.Counts(context.WithoutCancel(ctx))
			if err == nil {
				err = cerr
			}
			return c, err
		}
		select {
		case <-ctx.Done():
			return o.Counts(context.WithoutCancel(ctx))
		case <-t.C:
		}
	}
}

// sendingElsewhere reports whether another process that is not gone is
// sending a message under a lease that still runs.
func (o *Outbox) sendingElsewhere(ctx context.Context) (bool, error) {
	rows, err := o.db.QueryContext(ctx, "SELECT lease_owner, lease_until FROM messages WHERE state = 'sending'")
	if err != nil {
		return false, o.wrap(err)
	}
	defer rows.Close()
	now := time.Now()
	for rows.Next() {
		var who string
		var until int64
		if err := rows.Scan(&who, &until); err != nil {
			return false, o.wrap(err)
		}
		// Never longer than the lease: past it another run may take the
		// message over, so its sender no longer decides its state.
		if who != o.owner.String() && time.UnixMilli(until).After(now) && o.owner.check(who) != gone {
			return true, nil
		}
	}
	return false, o.wrap(rows.Err())
}
