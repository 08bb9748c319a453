package smtptest

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// checkFunc verifies a username/password pair; it returns nil or an
// *smtp.SMTPError that go-smtp sends to the client verbatim.
type checkFunc func(username, password string) error

// cramMD5Server is the server side of AUTH CRAM-MD5 (RFC 2195), which
// go-sasl does not provide. The challenge is unique per attempt so a client
// that caches or replays digests fails like it would against a real server.
type cramMD5Server struct {
	step      int
	challenge []byte
	users     map[string]string
	check     checkFunc
}

func newCRAMMD5Server(domain string, users map[string]string, check checkFunc) *cramMD5Server {
	n, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		n = big.NewInt(time.Now().UnixNano())
	}
	return &cramMD5Server{
		challenge: fmt.Appendf(nil, "<%d.%d@%s>", n, time.Now().UnixNano(), domain),
		users:     users,
		check:     check,
	}
}

func (s *cramMD5Server) Next(response []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		if len(response) > 0 {
			// CRAM-MD5 has no initial response; the digest needs our challenge.
			return nil, true, errMalformedAuth
		}
		s.step = 1
		return s.challenge, false, nil
	case 1:
		s.step = 2
		i := bytes.LastIndexByte(response, ' ')
		if i < 0 {
			return nil, true, errMalformedAuth
		}
		user, digest := string(response[:i]), string(response[i+1:])
		password, ok := s.users[user]
		if !ok {
			return nil, true, errBadCredentials
		}
		mac := hmac.New(md5.New, []byte(password))
		mac.Write(s.challenge)
		want := hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(want), bytes.ToLower([]byte(digest))) {
			return nil, true, errBadCredentials
		}
		// The password is already verified; check only decides whether the
		// user is accepted and records it.
		return nil, true, s.check(user, password)
	default:
		return nil, false, sasl.ErrUnexpectedClientResponse
	}
}

// authExchange wraps a mechanism so that the session learns the username
// only when the whole exchange succeeded, and so that Config.FailAuth is
// replied where a real server would reject: after the client has sent its
// credentials, not before. Non-SMTP errors from go-sasl (bad framing) become
// a 501 instead of go-smtp's default 454, which would suggest a temporary
// failure worth retrying.
type authExchange struct {
	inner   sasl.Server
	fail    error
	pending *string // set by the mechanism's check on success
	onOK    func(username string)
}

func (a *authExchange) Next(response []byte) ([]byte, bool, error) {
	challenge, done, err := a.inner.Next(response)
	if err == nil && !done {
		return challenge, false, nil
	}
	if a.fail != nil {
		return nil, true, a.fail
	}
	if err != nil {
		if _, ok := err.(*smtp.SMTPError); !ok {
			err = errMalformedAuth
		}
		return nil, true, err
	}
	a.onOK(*a.pending)
	return challenge, true, nil
}
