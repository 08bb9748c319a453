package cli

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
)

// The exit code of every failure the core's tests produce (smtp's
// TestDiagnosisAgainstServer, TestXOAUTH2TokenErrors, ...): the contract in
// DESIGN.md, decided here from the kind and the stage.
func TestExitCodeOfEachKind(t *testing.T) {
	for _, tc := range []struct {
		kind  smtp.Kind
		stage smtp.Stage
		temp  bool
		exit  int
	}{
		{smtp.KindAuthAppPassword, smtp.StageAuth, false, 5},
		{smtp.KindAuthBasicDisabled, smtp.StageAuth, false, 5},
		{smtp.KindAuthFailed, smtp.StageAuth, false, 5},
		{smtp.KindAuthMechanism, smtp.StageAuth, false, 5},
		{smtp.KindAuthNoMechanism, smtp.StageAuth, false, 5},
		{smtp.KindAuthNotOffered, smtp.StageAuth, false, 5},
		{smtp.KindOAuthSignIn, smtp.StageAuth, false, 5},
		{smtp.KindOAuthSignIn, smtp.StageSetup, false, 5},
		{smtp.KindCertNameMismatch, smtp.StageTLS, false, 4},
		{smtp.KindCertUntrusted, smtp.StageTLS, false, 4},
		{smtp.KindCertExpired, smtp.StageTLS, false, 4},
		{smtp.KindCertInvalid, smtp.StageTLS, false, 4},
		{smtp.KindNoSTARTTLS, smtp.StageTLS, false, 4},
		{smtp.KindTLSOnPlainPort, smtp.StageTLS, false, 4},
		{smtp.KindMustSTARTTLS, smtp.StageMail, false, 4},
		{smtp.KindInsecureAuth, smtp.StageAuth, false, 4},
		{smtp.KindTLSHandshake, smtp.StageTLS, false, 4},
		{smtp.KindTLSHandshake, smtp.StageTLS, true, 3},
		{smtp.KindDNS, smtp.StageConnect, true, 3},
		{smtp.KindDNSNotFound, smtp.StageConnect, false, 3},
		{smtp.KindRefused, smtp.StageConnect, true, 3},
		{smtp.KindUnreachable, smtp.StageConnect, true, 3},
		{smtp.KindExpectsTLS, smtp.StageConnect, false, 3},
		{smtp.KindTimeoutExpectsTLS, smtp.StageConnect, true, 3},
		{smtp.KindTimeoutPort25, smtp.StageConnect, true, 3},
		{smtp.KindTimeoutConnect, smtp.StageConnect, true, 3},
		{smtp.KindClosedBeforeGreeting, smtp.StageConnect, true, 3},
		{smtp.KindGreetingRefused, smtp.StageConnect, false, 3},
		{smtp.KindOAuthUnreachable, smtp.StageConnect, true, 3},
		{smtp.KindGreetingTemporary, smtp.StageConnect, true, 7},
		{smtp.KindInsufficientStorage, smtp.StageRcpt, true, 7},
		{smtp.KindTemporary, smtp.StageRcpt, true, 7},
		{smtp.KindServiceUnavailable, smtp.StageMail, true, 7},
		{smtp.KindAuthTemporary, smtp.StageAuth, true, 7},
		{smtp.KindDropped, smtp.StageData, true, 7},
		{smtp.KindTimeout, smtp.StageData, true, 7},
		{smtp.KindSenderNotAllowed, smtp.StageMail, false, 6},
		{smtp.KindSenderNotAllowed, smtp.StageData, false, 6},
		{smtp.KindTooLarge, smtp.StageData, false, 6},
		{smtp.KindTooLarge, smtp.StageMail, false, 6},
		{smtp.KindRecipientUnknown, smtp.StageRcpt, false, 6},
		{smtp.KindRelayDenied, smtp.StageRcpt, false, 6},
		{smtp.KindRejected, smtp.StageData, false, 6},
		{smtp.KindNeedsSMTPUTF8, smtp.StageMail, false, 6},
		{smtp.KindInsecureAuth, smtp.StageSetup, false, 2},
		{smtp.KindKeyring, smtp.StageSetup, false, 2},
		{smtp.KindSetup, smtp.StageSetup, false, 2},
		{smtp.KindNoPassword, smtp.StageSetup, false, 2},
		{smtp.KindNoProfile, smtp.StageSetup, false, 2},
		{smtp.KindConfig, smtp.StageSetup, false, 2},
		{smtp.KindInvalidSettings, smtp.StageSetup, false, 2},
		{smtp.KindInternal, smtp.StageEHLO, false, 1},
		{smtp.KindUnexpectedReply, smtp.StageEHLO, false, 1},
		{smtp.KindCanceled, smtp.StageConnect, false, 1},
		{smtp.KindOK, smtp.StageDone, false, 0},
	} {
		if got := exitCode(tc.kind, tc.stage, tc.temp); got != tc.exit {
			t.Errorf("%s at %s (temporary %v): exit %d, want %d", tc.kind, tc.stage, tc.temp, got, tc.exit)
		}
	}
	// Every kind a check or a send can end with has its own code.
	for _, k := range smtp.Kinds {
		if _, ok := kindExit[k]; !ok && k != smtp.KindInterrupted {
			t.Errorf("kind %s has no exit code", k)
		}
	}
}

// The exit codes of the sign-in commands (DESIGN.md).
func TestOAuthExitCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		exit int
	}{
		{nil, 0},
		{&oauth.Error{Kind: oauth.ErrSignInAgain}, 5},
		{&oauth.Error{Kind: oauth.ErrStateMismatch}, 5},
		{&oauth.Error{Kind: oauth.ErrConsentDenied}, 5},
		{fmt.Errorf("device: %w", &oauth.Error{Kind: oauth.ErrConsentDenied}), 5},
		{&oauth.Error{Kind: oauth.ErrSignInFailed}, 5},
		{&oauth.Error{Kind: oauth.ErrTimeout}, 5},
		{&oauth.Error{Kind: oauth.ErrNoRefreshToken}, 5},
		{&oauth.Error{Kind: oauth.ErrUnreachable}, 3},
		{&oauth.Error{Kind: oauth.ErrNoClientID}, 2},
		{&oauth.Error{Kind: oauth.ErrNoProvider}, 2},
		{&oauth.Error{Kind: oauth.ErrNotSignedIn}, 2},
		{&oauth.Error{Kind: oauth.ErrTokenTooLarge}, 2},
		{&oauth.Error{Kind: oauth.ErrSettings}, 2},
		{&oauth.Error{Kind: oauth.ErrCanceled}, 130},
		{context.Canceled, 130},
		{&smtp.KeyringError{Op: "get", Kind: smtp.ErrKeyringLocked}, 2},
		{errors.New("something else"), 2},
	} {
		if got := oauthExit(tc.err); got != tc.exit {
			t.Errorf("%v: exit %d, want %d", tc.err, got, tc.exit)
		}
	}
}
