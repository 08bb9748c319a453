package queue

import "github.com/smtpconf/smtpconf/smtp"

// stateNames are the states as people read them.
var stateNames = smtp.Names[State]{
	Queued:   "Queued",
	Sending:  "Sending",
	Deferred: "Deferred",
	Sent:     "Sent",
	Failed:   "Failed",
}

// Name is a state as people read it, in the window and on the command
// line; JSON keeps the contract's values.
func (s State) Name() string { return stateNames.Of(s) }
