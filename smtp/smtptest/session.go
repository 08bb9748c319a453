package smtptest

import (
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/smtpconf/smtpconf/smtp/internal/saslsrv"
)

// newSession runs on EHLO/HELO (go-smtp creates sessions lazily there, and
// again after STARTTLS), which makes it the hook for StallAt "ehlo".
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	cfg := s.config()
	if cfg.StallAt == StallEHLO {
		return nil, s.stall()
	}
	if cfg.NoEHLO && rejectEHLO(c) {
		return nil, errNoEHLO
	}
	return &session{s: s, c: c}, nil
}

var (
	errBadCredentials = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
	errMalformedAuth  = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Malformed authentication response"}
	errNeedTLS        = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	errNeedAuth       = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	errDropped        = errors.New("smtptest: connection dropped by DropMidData")
)

// session is one go-smtp session; all its methods run on the connection's
// goroutine, so its fields need no locking.
type session struct {
	s    *Server
	c    *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) isTLS() bool {
	_, ok := ss.c.TLSConnectionState()
	return ok
}

func (ss *session) AuthMechanisms() []string {
	return ss.s.config().mechanisms()
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	cfg := ss.s.config()
	if cfg.StallAt == StallAuth {
		return nil, ss.s.stall()
	}
	if len(cfg.Users) == 0 && cfg.XOAUTH2 == nil {
		return nil, smtp.ErrAuthUnsupported
	}
	if !slices.ContainsFunc(cfg.mechanisms(), func(m string) bool { return strings.EqualFold(m, mech) }) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	if cfg.FailAuth != nil && cfg.FailAuth.Code == 504 {
		return nil, cfg.FailAuth.err()
	}
	var pending string
	check := func(username, password string) error {
		if want, ok := cfg.Users[username]; !ok || want != password {
			return errBadCredentials
		}
		pending = username
		return nil
	}
	var inner sasl.Server
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		inner = sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return errBadCredentials // no proxy authorisation here
			}
			return check(username, password)
		})
	case sasl.Login:
		inner = saslsrv.NewLoginServer(check)
	case "CRAM-MD5":
		inner = newCRAMMD5Server(cfg.Domain, cfg.Users, check)
	case "XOAUTH2":
		if cfg.XOAUTH2 == nil {
			return nil, smtp.ErrAuthUnknownMechanism
		}
		inner = &xoauth2Server{check: func(username, token string) error {
			if !cfg.XOAUTH2(username, token) {
				return errBadCredentials
			}
			pending = username
			return nil
		}}
	default:
		return nil, smtp.ErrAuthUnknownMechanism
	}
	ex := &authExchange{inner: inner, pending: &pending, onOK: func(u string) { ss.user = u }}
	if cfg.FailAuth != nil {
		ex.fail = cfg.FailAuth.err()
	}
	return ex, nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	cfg := ss.s.config()
	switch {
	case cfg.StallAt == StallMail:
		return ss.s.stall()
	case cfg.RequireTLSForMail && !ss.isTLS():
		return errNeedTLS
	case cfg.RequireAuth && ss.user == "":
		return errNeedAuth
	case cfg.FailMail != nil:
		return cfg.FailMail.err()
	}
	ss.from, ss.to = from, nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	cfg := ss.s.config()
	switch {
	case cfg.StallAt == StallRcpt:
		return ss.s.stall()
	case cfg.FailRcpt != nil:
		return cfg.FailRcpt.err()
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	cfg := ss.s.config()
	if cfg.DropMidData {
		var buf [64]byte
		io.ReadAtLeast(r, buf[:], 1)
		// Close the TCP connection under any TLS layer: an abrupt end
		// without close_notify, like a crashed server or broken network.
		if rc := rawConn(ss.c); rc != nil {
			rc.Close()
		}
		return errDropped
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err // includes go-smtp's 552 5.3.4 for MaxMessageBytes
	}
	if cfg.StallAt == StallData {
		return ss.s.stall()
	}
	if cfg.FailData != nil {
		return cfg.FailData.err()
	}
	m := Message{From: ss.from, To: slices.Clone(ss.to), Data: data, Auth: ss.user, TLS: ss.isTLS()}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, m)
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }
