package smtp

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
)

// OAuth2 (XOAUTH2) support in the core. The sign-in itself, the token store
// and the refresh live in package smtp/oauth, which imports this package;
// Dial only needs a function that hands out access tokens (Options.Token).

// OAuthKeySuffix is appended to a profile's name to form the keyring user
// under which its OAuth2 tokens are stored ("work#oauth"), next to the
// password stored under the plain name. Profile names may not end in it.
const OAuthKeySuffix = "#oauth"

// OAuthKey is the keyring user name of a profile's OAuth2 tokens.
func OAuthKey(profile string) string { return profile + OAuthKeySuffix }

// TokenFunc returns an OAuth2 access token for a profile that authenticates
// with XOAUTH2. force asks for a new token even if the one held looks valid
// (the server just refused it). Errors should wrap ErrSignInRequired (the
// person must sign in again: exit 5), ErrTokenEndpoint (the provider could
// not be reached: exit 3) or ErrSecretNotFound (never signed in), and may
// carry a Hint() method.
type TokenFunc func(ctx context.Context, force bool) (string, error)

// Sentinel errors of OAuth2 token retrieval, for errors.Is.
var (
	// ErrSignInRequired: the stored sign-in is no longer valid (the refresh
	// token was revoked or expired: "invalid_grant"), or the provider refused
	// the sign-in; the person must sign in again. An authentication failure.
	ErrSignInRequired = errors.New("sign-in required")
	// ErrTokenEndpoint: the provider's token endpoint could not be reached.
	ErrTokenEndpoint = errors.New("token endpoint unreachable")
)

// oauthRetry is returned by auth when an XOAUTH2 token was refused in a way
// a fresh token may cure (535, or a 334 challenge); Dial then gets a new
// token and tries once more on a new connection (go-mail closes the
// connection after a failed AUTH).
type oauthRetry struct{ err error }

func (r *oauthRetry) Error() string { return r.err.Error() }
func (r *oauthRetry) Unwrap() error { return r.err }

// refusedToken reports whether an AUTH XOAUTH2 failure means the token was
// refused.
func refusedToken(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp) && (tp.Code == 535 || tp.Code == 334)
}

// retryOAuth handles an *oauthRetry from the first connection: it records
// the refusal, asks for a new token (forced) and connects again, once.
func (s *Session) retryOAuth(ctx context.Context, r *oauthRetry) (*Session, error) {
	s.Close()
	var tp *textproto.Error
	if errors.As(r.err, &tp) && s.tr.lastServerLine() != fmt.Sprintf("%d %s", tp.Code, lastLine(tp.Msg)) {
		s.tr.server(tp.Code, tp.Msg)
	}
	s.tr.Note("the server refused the access token; getting a new one and trying once more")
	tok, err := s.opts.Token(ctx, true)
	if err == nil && tok == "" {
		err = ErrSecretNotFound
	}
	if err != nil {
		return nil, s.fail(StageSetup, oauthTokenError(err))
	}
	s.tr.Protect(s.p.Username, tok)
	n := &Session{opts: s.opts, p: s.p, host: s.host, tr: s.tr, start: s.start, secret: tok, caRoots: s.caRoots, oauthRetried: true}
	if err := n.connect(ctx); err != nil {
		n.Close()
		if errors.As(err, &r) {
			return nil, n.fail(StageAuth, r.err)
		}
		return nil, err
	}
	return n, nil
}

// oauthTokenError tags a failure to get a token with the stage the
// diagnosis should name: a refused sign-in is an authentication failure, an
// unreachable provider a connection failure; anything else (keyring, not
// signed in) is setup.
func oauthTokenError(err error) error {
	switch {
	case errors.Is(err, ErrSignInRequired):
		return &Error{Stage: StageAuth, Err: err}
	case errors.Is(err, ErrTokenEndpoint):
		return &Error{Stage: StageConnect, BeforeGreeting: true, Err: err}
	}
	return err
}
