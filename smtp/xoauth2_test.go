package smtp

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// tokens is a fake TokenFunc: it hands out the tokens in order, moving on
// only when forced.
type tokens struct {
	mu     sync.Mutex
	list   []string
	i      int
	calls  []bool // force of each call
	failAt int    // call index (1-based) that returns err
	err    error
}

func (tk *tokens) get(_ context.Context, force bool) (string, error) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	tk.calls = append(tk.calls, force)
	if tk.failAt == len(tk.calls) {
		return "", tk.err
	}
	if force && tk.i < len(tk.list)-1 {
		tk.i++
	}
	return tk.list[tk.i], nil
}

func xoauth2Server(t *testing.T, good string) *smtptest.Server {
	return smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, RequireAuth: true,
		XOAUTH2: func(user, token string) bool { return user == testUser && token == good }})
}

func xoauth2Opts(srv *smtptest.Server, tk *tokens) Options {
	p := profileFor(srv, SecuritySTARTTLS)
	p.Auth = AuthXOAUTH2
	return Options{Profile: p, Token: tk.get,
		Secret: func() (string, error) { return "", errors.New("the password must not be read") }}
}

func TestXOAUTH2FreshToken(t *testing.T) {
	srv := xoauth2Server(t, "tok-good-0123456789")
	tk := &tokens{list: []string{"tok-good-0123456789"}}
	rep := runTest(t, xoauth2Opts(srv, tk))
	if !rep.OK || rep.AuthMech != "XOAUTH2" || fmt.Sprint(tk.calls) != "[false]" {
		t.Fatalf("%+v, token calls %v", rep, tk.calls)
	}
	if len(srv.Messages()) != 1 || srv.Messages()[0].Auth != testUser {
		t.Fatalf("messages %+v", srv.Messages())
	}
}

// TestXOAUTH2RefusedTokenRetriedOnce: a refused token (334 then 535) is
// replaced once (force) and AUTH retried once on a new connection; a second
// refusal is the answer.
func TestXOAUTH2RefusedTokenRetriedOnce(t *testing.T) {
	srv := xoauth2Server(t, "tok-new-abcdefghij")
	tk := &tokens{list: []string{"tok-old-abcdefghij", "tok-new-abcdefghij"}}
	var events []string
	opts := xoauth2Opts(srv, tk)
	opts.Progress = func(e Event) {
		if e.Status == StatusFailed {
			events = append(events, string(e.Stage))
		}
	}
	rep, _ := Test(context.Background(), opts, nil)
	tr := strings.Join(rep.Transcript, "\n")
	if !rep.OK || fmt.Sprint(tk.calls) != "[false true]" || srv.Connections() != 2 || len(events) != 0 {
		t.Fatalf("ok=%v calls=%v connections=%d failed events=%v\n%s", rep.OK, tk.calls, srv.Connections(), events, tr)
	}
	for _, tok := range tk.list {
		for _, form := range []string{tok, base64.StdEncoding.EncodeToString([]byte("user=" + testUser + "\x01auth=Bearer " + tok + "\x01\x01"))} {
			if strings.Contains(tr, form) {
				t.Fatalf("transcript contains a token:\n%s", tr)
			}
		}
	}
	if !strings.Contains(tr, "535") || !strings.Contains(tr, "C: AUTH XOAUTH2 [redacted]") {
		t.Errorf("transcript:\n%s", tr)
	}

	// Both tokens refused: one retry only, then the refusal (exit 5).
	srv2 := xoauth2Server(t, "never")
	tk2 := &tokens{list: []string{"tok-a-0123456789", "tok-b-0123456789", "tok-c-0123456789"}}
	rep = runTest(t, xoauth2Opts(srv2, tk2))
	if rep.OK || rep.Kind != KindAuthFailed || rep.Stage != StageAuth || rep.Code != 535 || fmt.Sprint(tk2.calls) != "[false true]" ||
		srv2.Connections() != 2 || !strings.Contains(rep.Hint, "fresh token") {
		t.Fatalf("ok=%v kind=%s stage=%s code=%d calls=%v conns=%d hint=%q", rep.OK, rep.Kind, rep.Stage, rep.Code, tk2.calls, srv2.Connections(), rep.Hint)
	}
}

// hinted is an error with its own fix, like the oauth package's.
type hinted struct {
	err  error
	hint string
}

func (h hinted) Error() string { return h.err.Error() }
func (h hinted) Unwrap() error { return h.err }
func (h hinted) Hint() string  { return h.hint }

func TestXOAUTH2TokenErrors(t *testing.T) {
	srv := xoauth2Server(t, "tok-good-0123456789")
	for _, tc := range []struct {
		name  string
		err   error
		stage Stage
		kind  Kind
		temp  bool
	}{
		{"sign in again", hinted{fmt.Errorf("refresh: %w", ErrSignInRequired), "Sign in again."}, StageAuth, "oauth-sign-in", false},
		{"provider unreachable", hinted{fmt.Errorf("refresh: %w", ErrTokenEndpoint), "Check the network."}, StageConnect, "oauth-unreachable", true},
		{"never signed in", hinted{fmt.Errorf("no tokens: %w", ErrSecretNotFound), "Sign in first."}, StageSetup, "setup", false},
		{"keyring", &KeyringError{Op: "get", Profile: "test#oauth", Kind: ErrKeyringLocked}, StageSetup, "keyring", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := &tokens{list: []string{"x"}, failAt: 1, err: tc.err}
			rep := runTest(t, xoauth2Opts(srv, tk))
			if rep.OK || rep.Stage != tc.stage || rep.Kind != tc.kind || rep.Temporary != tc.temp || rep.Hint == "" {
				t.Fatalf("stage=%s kind=%s temporary=%v hint=%q", rep.Stage, rep.Kind, rep.Temporary, rep.Hint)
			}
		})
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d connections made without a token", n)
	}
	// A forced refresh that fails after the refusal: its error, not the 535.
	srv2 := xoauth2Server(t, "never")
	tk := &tokens{list: []string{"tok-a-0123456789"}, failAt: 2, err: hinted{fmt.Errorf("refresh: %w", ErrSignInRequired), "Sign in again."}}
	rep := runTest(t, xoauth2Opts(srv2, tk))
	if rep.Kind != KindOAuthSignIn || rep.Hint != "Sign in again." {
		t.Fatalf("kind=%s hint=%q", rep.Kind, rep.Hint)
	}
}

func TestTranscriptProtectsXOAUTH2Blob(t *testing.T) {
	tr := NewTranscript()
	tok := "ya29.a0Af-token_value"
	blob := base64.StdEncoding.EncodeToString([]byte("user=" + testUser + "\x01auth=Bearer " + tok + "\x01\x01"))
	tr.Note("early %s", blob)
	tr.Protect(testUser, tok)
	tr.Note("late %s and %s", blob, strings.TrimRight(blob, "="))
	for _, l := range tr.Lines() {
		if strings.Contains(l, tok) || strings.Contains(l, blob[:len(blob)-4]) {
			t.Fatalf("line not scrubbed: %q", l)
		}
	}
}
