// Package saslsrv holds the server side of the SASL mechanisms that
// go-sasl ships only as clients. The relay accepts them from local
// programs, and the test SMTP server (smtp/smtptest) from our own client.
package saslsrv

import "github.com/emersion/go-sasl"

// NewLoginServer returns the server side of AUTH LOGIN as Microsoft-style
// servers speak it: "Username:" and "Password:" challenges, with an
// optional initial response carrying the username (AUTH LOGIN dXNlcg==),
// which some clients send. check verifies the pair; its error goes back to
// the client (go-smtp sends an *smtp.SMTPError verbatim).
func NewLoginServer(check func(username, password string) error) sasl.Server {
	return &loginServer{check: check}
}

type loginServer struct {
	step     int
	username string
	check    func(username, password string) error
}

func (s *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		if response == nil {
			s.step = 1
			return []byte("Username:"), false, nil
		}
		s.username = string(response)
		s.step = 2
		return []byte("Password:"), false, nil
	case 1:
		s.username = string(response)
		s.step = 2
		return []byte("Password:"), false, nil
	case 2:
		s.step = 3
		return nil, true, s.check(s.username, string(response))
	default:
		return nil, false, sasl.ErrUnexpectedClientResponse
	}
}
