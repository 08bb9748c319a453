// Package queue is the outbox: a local retry queue that never loses a
// message.
//
// A message that could not be sent for a temporary reason (the network is
// down, the server said "451 try again later") waits in the outbox, a SQLite
// database (outbox.db, WAL mode) in the config directory, and goes out by
// itself later. Each entry keeps the exact message bytes (so the Message-ID
// stays fixed across attempts and receivers can de-duplicate), the envelope,
// the profile to send it through, its state, the attempts made, the next
// attempt, the last error with its stage, code and hint, and the last
// transcript (secrets removed by package smtp before it gets here).
//
// Several processes may use one outbox at once: the window's Worker, a
// `smtpconf queue run` from cron, later a local relay. A runner claims one
// message at a time with a lease recording its host, PID and process start
// time; a message left "sending" by a process that no longer exists is taken
// back by the next run at once, any other claim when its lease expires. A
// crash mid-send therefore means the message is sent again: at-least-once.
//
// Delivery (Run, Worker) goes per profile, oldest first, over one connection
// per profile. Whether a failure is temporary is decided by smtp.Diagnose,
// nowhere else: temporary failures defer the message with exponential
// backoff and jitter, permanent ones fail it at once with the hint, and a
// message older than the give-up time fails. A connection-level failure ends
// that profile's run and leaves its other due messages untouched apart from
// their next attempt; a per-message 4xx defers only that message.
//
// States (the contract of `smtpconf queue list --json`): queued, sending,
// deferred, sent, failed. Sent entries are kept (the newest KeepSent), failed
// ones until deleted.
package queue
