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

// originNames are the short labels of the ways a message came in (a list
// row); originSentences say it in the details.
var (
	originNames = smtp.Names[Origin]{
		OriginTest:     "Test message",
		OriginRelay:    "Via the relay",
		OriginSendmail: "Via sendmail",
	}
	originSentences = smtp.Names[Origin]{
		OriginTest:     "It is a test message sent from this app.",
		OriginRelay:    "A program on this computer handed it to the local relay.",
		OriginSendmail: "A program on this computer handed it to the sendmail command.",
	}
)

// Name is the short label of the way a message came in; "" when the entry
// does not say.
func (o Origin) Name() string { return originNames.Of(o) }

// Sentence says in a sentence where a message came from; "" when the entry
// does not say.
func (o Origin) Sentence() string { return originSentences.Of(o) }
