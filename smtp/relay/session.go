package relay

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-sasl"
	gsmtp "github.com/emersion/go-smtp"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/internal/saslsrv"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/submit"
)

// session is one client's SMTP conversation.
type session struct {
	s      *Server
	remote string
	authed bool

	from    string
	profile string // routed at the first RCPT
	to      []string
}

var _ gsmtp.AuthSession = (*session)(nil)

func (s *Server) newSession(c *gsmtp.Conn) (gsmtp.Session, error) {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return nil, reply(421, 4, 3, 2, "The relay is shutting down; try again shortly")
	}
	remote := ""
	if c.Conn() != nil {
		remote = c.Conn().RemoteAddr().String()
	}
	return &session{s: s, remote: remote}, nil
}

func reply(code, a, b, c int, text string) *gsmtp.SMTPError {
	return &gsmtp.SMTPError{Code: code, EnhancedCode: gsmtp.EnhancedCode{a, b, c}, Message: text}
}

// refuse reports a refusal and returns it for go-smtp to send.
func (ss *session) refuse(e *gsmtp.SMTPError) error {
	if f := ss.s.cfg.OnRefused; f != nil {
		f(ss.remote, e.Code, e.Message)
	}
	return e
}

func (ss *session) AuthMechanisms() []string {
	if !ss.s.cfg.RequireAuth {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if !ss.s.cfg.RequireAuth {
		return nil, gsmtp.ErrAuthUnsupported
	}
	check := func(user, pass string) error {
		// Both compared in full, in constant time: no timing hint.
		u := subtle.ConstantTimeCompare([]byte(user), []byte(ss.s.user))
		p := subtle.ConstantTimeCompare([]byte(pass), []byte(ss.s.pass))
		if u&p != 1 {
			return ss.refuse(reply(535, 5, 7, 8, "Authentication failed: use the relay credential ('smtpconf relay credentials')"))
		}
		ss.authed = true
		return nil
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return ss.refuse(reply(535, 5, 7, 8, "Authentication failed: no proxy authorisation"))
			}
			return check(user, pass)
		}), nil
	case sasl.Login:
		return saslsrv.NewLoginServer(check), nil
	}
	return nil, gsmtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, opts *gsmtp.MailOptions) error {
	if ss.s.cfg.RequireAuth && !ss.authed {
		return ss.refuse(reply(530, 5, 7, 0, "Authentication required: log in with the relay credential ('smtpconf relay credentials')"))
	}
	if from != "" && (strings.ContainsAny(from, "\r\n<> ") || smtp.ValidateAddress(from) != nil) {
		return ss.refuse(reply(501, 5, 1, 7, fmt.Sprintf("%q is not a valid sender address", from)))
	}
	if opts != nil && opts.UTF8 {
		if e := ss.s.smtputf8Reply(from); e != nil {
			return ss.refuse(e)
		}
	}
	ss.from, ss.profile, ss.to = from, "", nil
	return nil
}

// smtputf8Reply is the answer to MAIL FROM ... SMTPUTF8 when the server of
// the profile the message would go through is not known to offer SMTPUTF8
// (nil when it is, or when no profile can take it: RCPT says so). There
// is no 7-bit form of a non-ASCII address to convert to (see caps.go).
func (s *Server) smtputf8Reply(from string) *gsmtp.SMTPError {
	p, err := s.a.Route(s.cfg.Profile, from)
	if err != nil {
		return nil
	}
	c, known := s.up.caps(p.Name)
	switch {
	case !known:
		s.up.recheck()
		return reply(451, 4, 4, 0, fmt.Sprintf("The server of the profile %q has not been reached yet, so it is not known "+
			"whether it takes internationalised mail (SMTPUTF8); try again later", p.Name))
	case !c.smtputf8:
		return reply(550, 5, 6, 7, fmt.Sprintf("The server of the profile %q does not offer SMTPUTF8: "+
			"non-ASCII addresses cannot be sent through it", p.Name))
	}
	return nil
}

func (ss *session) Rcpt(to string, _ *gsmtp.RcptOptions) error {
	if to == "" || strings.ContainsAny(to, "\r\n<> ") || smtp.ValidateAddress(to) != nil {
		return ss.refuse(reply(501, 5, 1, 3, fmt.Sprintf("%q is not a valid recipient address", to)))
	}
	if ss.profile == "" {
		p, err := ss.s.a.Route(ss.s.cfg.Profile, ss.from)
		if err != nil {
			return ss.refuse(routeReply(err))
		}
		ss.profile = p.Name
	}
	if smtp.NeedsSMTPUTF8(to) {
		// Known to fail at delivery: say so now (RFC 6531's code for it).
		if c, known := ss.s.up.caps(ss.profile); known && !c.smtputf8 {
			return ss.refuse(reply(553, 5, 6, 7, fmt.Sprintf("Non-ASCII addresses are not permitted for this recipient: "+
				"the server of the profile %q does not offer SMTPUTF8", ss.profile)))
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

// routeReply is the answer when no profile can take the message: 550 with
// the reason, or 451 when the profiles file cannot be read right now.
func routeReply(err error) *gsmtp.SMTPError {
	switch submit.ProblemOf(err) {
	case submit.NoProfile:
		return reply(550, 5, 7, 1, "No profile to send this through: start the relay with --profile NAME, "+
			"send from a profile's address, or choose a default with 'smtpconf profile default NAME'")
	case submit.UnknownProfile:
		return reply(550, 5, 7, 1, "The relay's profile no longer exists; restart it with an existing --profile")
	}
	return reply(451, 4, 3, 0, "The profiles cannot be read right now; try again later")
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		if errors.Is(err, gsmtp.ErrTooLongLine) {
			return ss.refuse(reply(500, 5, 5, 2, fmt.Sprintf("A line is longer than %d characters (RFC 5321 allows 1000 with CRLF)", submit.MaxLineLength)))
		}
		var se *gsmtp.SMTPError
		if errors.As(err, &se) {
			return ss.refuse(se) // 552 over the size limit
		}
		return err
	}
	if !ss.s.begin() {
		return ss.refuse(reply(421, 4, 3, 2, "The relay is shutting down; the message was not accepted, try again shortly"))
	}
	defer ss.s.end()
	if c, known := ss.s.up.caps(ss.profile); !known || !c.eightBit {
		raw, _ = submit.Downgrade8Bit(raw) // see caps.go
	}
	e, err := ss.s.a.Submit(context.Background(), submit.Message{
		From: ss.from, To: ss.to, Raw: raw, Origin: queue.OriginRelay, Profile: ss.profile,
	})
	if err != nil {
		return ss.refuse(dataReply(err))
	}
	if f := ss.s.cfg.OnAccepted; f != nil {
		f(e, ss.remote)
	}
	return queuedReply(e.ID)
}

// queuedReply is the 250 that says the message is in the outbox and under
// which id, as Postfix answers ("250 2.0.0 Ok: queued as ID"), so that a
// client's log line can be matched with 'smtpconf queue list'. go-smtp
// sends whatever *SMTPError Data returns as the reply, 250 included; a nil
// error would only give its fixed "OK: queued".
func queuedReply(id string) *gsmtp.SMTPError {
	return reply(250, 2, 0, 0, "Ok: queued as "+id)
}

// dataReply is the answer to a message that was not queued.
func dataReply(err error) *gsmtp.SMTPError {
	var e *submit.Error
	if !errors.As(err, &e) {
		return reply(451, 4, 3, 0, "The message could not be stored; try again later")
	}
	switch e.Problem {
	case submit.BareLineEnd, submit.LineTooLong:
		return reply(500, 5, 5, 2, upperFirst(e.Error()))
	case submit.NoProfile, submit.UnknownProfile:
		return routeReply(err)
	case submit.NoRecipient, submit.BadAddress:
		return reply(550, 5, 1, 3, upperFirst(e.Error()))
	}
	return reply(451, 4, 3, 0, "The message could not be stored in the outbox; try again later")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (ss *session) Reset() { ss.from, ss.profile, ss.to = "", "", nil }

func (ss *session) Logout() error { return nil }
