package queue

import "github.com/smtpconf/smtpconf/smtp/l10n"

// Name is a state as people read it, in the window and on the command
// line; JSON keeps the contract's values.
func (s State) Name() string {
	switch s {
	case Queued:
		return l10n.L("Queued")
	case Sending:
		return l10n.L("Sending")
	case Deferred:
		return l10n.L("Deferred")
	case Sent:
		return l10n.L("Sent")
	case Failed:
		return l10n.L("Failed")
	}
	return string(s)
}
