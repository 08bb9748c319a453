// Package inbox is the "Local test inbox": a small SMTP server on this
// computer's loopback interface that accepts every message sent to it and
// keeps the most recent ones in memory, so a new user can try the whole
// set-up, from profile to test message, without any mail account.
//
// It behaves like a careful real submission server, so the experience is
// the same as with a provider: STARTTLS with a certificate for 127.0.0.1 and
// localhost that is signed by a CA this package makes (and keeps, so a
// profile that trusts it keeps working across restarts), AUTH PLAIN and
// LOGIN offered only after STARTTLS, SIZE and a recipient limit. A profile
// trusts the CA through its CA file (Server.CAFile); verification is never
// switched off.
//
// The server only ever listens on a loopback address. It never logs message
// bodies or credentials.
package inbox
