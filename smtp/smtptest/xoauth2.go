package smtptest

import (
	"bytes"
	"encoding/json"

	"github.com/emersion/go-sasl"
)

// xoauth2Server is the server side of AUTH XOAUTH2 as Gmail and Outlook
// speak it: the client's initial response is
// "user=NAME\x01auth=Bearer TOKEN\x01\x01". A token that check refuses gets
// a 334 challenge carrying a JSON error (base64, as Gmail sends it); the
// client answers with an empty line and then gets 535 5.7.8.
type xoauth2Server struct {
	step  int
	check checkFunc
}

func (s *xoauth2Server) Next(response []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		if response == nil {
			// No initial response: ask for it with an empty challenge.
			s.step = 1
			return []byte{}, false, nil
		}
		return s.verify(response)
	case 1:
		return s.verify(response)
	case 2:
		// The client's empty answer to the error challenge.
		s.step = 3
		return nil, true, errBadCredentials
	default:
		return nil, false, sasl.ErrUnexpectedClientResponse
	}
}

func (s *xoauth2Server) verify(response []byte) ([]byte, bool, error) {
	var user, token string
	for _, f := range bytes.Split(response, []byte{1}) {
		switch {
		case bytes.HasPrefix(f, []byte("user=")):
			user = string(f[len("user="):])
		case bytes.HasPrefix(f, []byte("auth=Bearer ")):
			token = string(f[len("auth=Bearer "):])
		}
	}
	if user == "" || token == "" {
		return nil, true, errMalformedAuth
	}
	if err := s.check(user, token); err != nil {
		s.step = 2
		msg, _ := json.Marshal(map[string]string{"status": "401", "schemes": "Bearer", "scope": "https://mail.google.com/"})
		return msg, false, nil
	}
	s.step = 3
	return nil, true, nil
}
