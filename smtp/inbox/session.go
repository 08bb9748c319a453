package inbox

import (
	"io"
	"time"

	"github.com/smtpconf/smtpconf/smtp/internal/saslsrv"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

var (
	errAuthFailed = &gosmtp.SMTPError{
		Code:         535,
		EnhancedCode: gosmtp.EnhancedCode{5, 7, 8},
		Message:      "Authentication credentials invalid",
	}
	errAuthRequired = &gosmtp.SMTPError{
		Code:         530,
		EnhancedCode: gosmtp.EnhancedCode{5, 7, 0},
		Message:      "Authentication required",
	}
	errShuttingDown = &gosmtp.SMTPError{
		Code:         421,
		EnhancedCode: gosmtp.EnhancedCode{4, 3, 2},
		Message:      "The local test inbox is shutting down",
	}
)

// backend starts a session per connection (and a new one after STARTTLS).
type backend struct{ srv *Server }

func (b backend) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{srv: b.srv, tls: isTLS}, nil
}

// session is one client's conversation. go-smtp calls its methods from the
// connection's goroutine, one at a time.
type session struct {
	srv      *Server
	tls      bool
	authed   bool
	username string
	from     string
	to       []string
}

var _ gosmtp.AuthSession = (*session)(nil)

// AuthMechanisms is only asked for, and AUTH only allowed, once the
// connection is encrypted (go-smtp AllowInsecureAuth is off).
func (s *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return errAuthFailed // acting for someone else is not supported
			}
			return s.login(username, password)
		}), nil
	case sasl.Login:
		return saslsrv.NewLoginServer(s.login), nil
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

func (s *session) login(username, password string) error {
	var ok bool
	if check := s.srv.opts.CheckLogin; check != nil {
		ok = check(username, password)
	} else {
		ok = username != "" && password != ""
	}
	if !ok {
		return errAuthFailed
	}
	s.authed, s.username = true, username
	return nil
}

func (s *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.srv.opts.CheckLogin != nil && !s.authed {
		return errAuthRequired
	}
	s.from, s.to = from, nil
	return nil
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	if !s.srv.beginDelivery() {
		return errShuttingDown
	}
	defer s.srv.inFlight.Done()
	raw, err := io.ReadAll(r) // bounded by MaxMessageBytes (552 5.3.4 beyond)
	if err != nil {
		return err
	}
	m := parseMessage(raw)
	m.Received = time.Now()
	m.From = s.from
	m.To = append([]string(nil), s.to...)
	m.TLS = s.tls
	m.Username = s.username
	s.srv.deliver(m)
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }
