// Package submit is the one path by which a message from another program on
// this computer enters the outbox: the local relay (`smtpconf relay`) and the
// sendmail command are thin front ends over it, so that both choose the
// account, check and adapt the message, and queue it in the same way.
//
// A submission is routed to a profile (Route), checked and normalised for
// that profile (Prepare: line ends and lengths, Date and Message-ID, Bcc
// removed, the profile's From policy), then put in the outbox durably by
// the caller (smtp/app's App.Submit), after which the outbox delivers it.
package submit

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
)

// MaxLineLength is the longest line a message may have, without its CRLF
// (RFC 5321 4.5.3.1.6: 1000 octets including CRLF).
const MaxLineLength = 998

// Message is a message handed in by another program.
type Message struct {
	// From is the envelope sender as the program gave it (MAIL FROM, or
	// sendmail's -f); "" for the null sender or none.
	From string
	// To are the envelope recipients, at least one.
	To []string
	// Raw is the message, with CRLF line ends.
	Raw []byte
	// Origin is the way it came in (relay, sendmail).
	Origin queue.Origin
	// Profile is the profile the program or person chose (relay
	// --profile, sendmail --profile); "" means Route picks one.
	Profile string
	// FromName is the sender's full name for a From header that has to be
	// added (sendmail's -F); ignored when the message has a From header.
	FromName string
}

// Problem says what is wrong with a submission.
type Problem string

// The problems. Each front end turns them into its own answer: the relay
// into an SMTP reply, sendmail into an exit code.
const (
	// NoProfile: no profile was named, none matches the sender, and there
	// is no default profile (or no profile at all).
	NoProfile Problem = "no-profile"
	// UnknownProfile: the profile named does not exist.
	UnknownProfile Problem = "unknown-profile"
	// BareLineEnd: a CR or LF that is not part of a CRLF pair.
	BareLineEnd Problem = "bare-line-end"
	// LineTooLong: a line longer than MaxLineLength.
	LineTooLong Problem = "line-too-long"
	// NoRecipient: the message has no recipient.
	NoRecipient Problem = "no-recipient"
	// BadAddress: an envelope address is not a valid address.
	BadAddress Problem = "bad-address"
	// Unstored: the outbox could not store the message (it is not queued).
	Unstored Problem = "unstored"
)

// Error is a submission that was refused; Problem says why. Error() is one
// English sentence in plain words (the relay sends it in its reply).
type Error struct {
	Problem Problem
	Line    int    // the line, for BareLineEnd and LineTooLong
	Value   string // the profile name or address concerned
	Err     error  // the underlying error, if any
}

func (e *Error) Error() string {
	switch e.Problem {
	case NoProfile:
		return "no profile to send this message through: name one with --profile, or choose a default with 'smtpconf profile default NAME'"
	case UnknownProfile:
		return fmt.Sprintf("there is no profile %q", e.Value)
	case BareLineEnd:
		return fmt.Sprintf("line %d ends with a bare CR or LF; lines must end with CRLF", e.Line)
	case LineTooLong:
		return fmt.Sprintf("line %d is longer than %d characters (RFC 5321 allows 1000 with CRLF)", e.Line, MaxLineLength)
	case NoRecipient:
		return "the message has no recipient"
	case BadAddress:
		return fmt.Sprintf("%q is not a valid email address", e.Value)
	case Unstored:
		return fmt.Sprintf("the message could not be stored in the outbox: %v", e.Err)
	}
	return string(e.Problem)
}

// Unwrap gives errors.Is access to the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ProblemOf returns the Problem of err ("" if it is not an *Error).
func ProblemOf(err error) Problem {
	var e *Error
	if errors.As(err, &e) {
		return e.Problem
	}
	return ""
}

// CheckLines finds the first line of raw that ends with a bare CR or LF or
// is longer than MaxLineLength. The last line may lack its CRLF.
func CheckLines(raw []byte) error {
	line, start := 1, 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '\r':
			if i+1 >= len(raw) || raw[i+1] != '\n' {
				return &Error{Problem: BareLineEnd, Line: line}
			}
			if i-start > MaxLineLength {
				return &Error{Problem: LineTooLong, Line: line}
			}
			i++
			line, start = line+1, i+1
		case '\n':
			return &Error{Problem: BareLineEnd, Line: line}
		}
	}
	if len(raw)-start > MaxLineLength {
		return &Error{Problem: LineTooLong, Line: line}
	}
	return nil
}

// checkAddress accepts a bare address (user@domain, no angle brackets).
func checkAddress(a string) error {
	if a == "" || strings.ContainsAny(a, "\r\n<> ") || smtp.ValidateAddress(a) != nil {
		return &Error{Problem: BadAddress, Value: a}
	}
	return nil
}

// Prepare checks m and adapts it to the profile p it is sent through, and
// returns what goes in the outbox:
//   - lines must end with CRLF and be at most MaxLineLength long;
//   - Bcc header fields are removed (the recipients are in the envelope);
//   - a missing From, Date or Message-ID is added;
//   - the profile's From policy: with envelope or header, the envelope
//     sender becomes the account's address; with header, a From naming
//     another address is rewritten to the account's, the original kept in
//     Reply-To (unless the message has one); keep changes neither.
//
// Every header field that is not changed goes out byte for byte.
func Prepare(p smtp.Profile, m Message, now time.Time) (queue.Message, error) {
	if len(m.To) == 0 {
		return queue.Message{}, &Error{Problem: NoRecipient}
	}
	for _, t := range m.To {
		if err := checkAddress(t); err != nil {
			return queue.Message{}, err
		}
	}
	if m.From != "" {
		if err := checkAddress(m.From); err != nil {
			return queue.Message{}, err
		}
	}
	if err := CheckLines(m.Raw); err != nil {
		return queue.Message{}, err
	}
	h := parseHeader(m.Raw)
	h.remove("Bcc")

	account := p.AccountAddress()
	policy := p.EffectiveFromPolicy()
	sender := m.From
	if account != "" && (policy != smtp.FromKeep || sender == "") {
		// A null sender would be refused by a submission server: bounces
		// of a relayed message go to the account.
		sender = account
	}
	if !h.has("From") {
		addr := m.From
		if addr == "" || policy == smtp.FromHeader {
			addr = account
		}
		if addr == "" {
			addr = sender
		}
		if addr != "" {
			name := m.FromName
			if name == "" && addr == account {
				name = p.FromName
			}
			h.insertAt(0, "From", formatAddress(name, addr))
		}
	} else if policy == smtp.FromHeader && account != "" {
		rewriteFrom(&h, p, account)
	}
	if !h.has("Date") {
		h.add("Date", now.Format(time.RFC1123Z))
	}
	if !h.has("Message-ID") {
		domainOf := account
		if domainOf == "" {
			domainOf = sender
		}
		h.add("Message-ID", smtp.NewMessageID(domainOf))
	}
	raw := h.bytes()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		raw = append(raw, '\r', '\n')
	}
	return queue.Message{
		Profile: p.Name, From: sender, To: append([]string(nil), m.To...), Raw: raw, Origin: m.Origin,
	}, nil
}

// rewriteFrom puts the account's address in a From header that names
// another one, keeping the display name, and the original in Reply-To.
func rewriteFrom(h *header, p smtp.Profile, account string) {
	f, _ := h.get("From")
	orig := f.value()
	list, err := mail.ParseAddressList(orig)
	name := ""
	if err == nil && len(list) > 0 {
		if len(list) == 1 && strings.EqualFold(list[0].Address, account) {
			return // already the account
		}
		name = list[0].Name
	}
	if name == "" {
		name = p.FromName
	}
	h.replace("From", formatAddress(name, account))
	if !h.has("Reply-To") && err == nil && len(list) > 0 {
		h.insertAfter("From", "Reply-To", orig)
	}
}

// formatAddress writes an address with an optional display name, encoded
// (RFC 2047) when it is not plain ASCII.
func formatAddress(name, addr string) string {
	if name == "" {
		return addr
	}
	return (&mail.Address{Name: name, Address: addr}).String()
}
