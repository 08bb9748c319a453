//go:build !nogui

package ui

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

const oauthAccount = "ann@gmail.com"

// withOAuth signs in against the local authorization server; browser does
// the browser's part (nil: follow the sign-in page back to the app).
func withOAuth(auth *oauthtest.Server, browser func(string) error) harnessOption {
	return func(h *harness) {
		if browser == nil {
			browser = oauthtest.Browser(nil)
		}
		h.oauth = &oauth.Manager{
			Secrets:   smtp.LayeredSecrets{Session: h.session, Persistent: h.keyring},
			ConfigDir: h.t.TempDir(),
			Getenv:    auth.Getenv(func(string) string { return "" }),
			Browser:   browser,
			Timeout:   20 * time.Second,
		}
	}
}

// walkGmailToAccount sets up a Gmail profile whose server is srv (on
// 127.0.0.1, trusting its CA) and stops on the Account step.
func walkGmailToAccount(h *harness, srv *smtptest.Server) *accountStep {
	h.t.Helper()
	h.walkProvider(oauthAccount, "")
	wz := h.wizard()
	if wz.draft.Preset != "gmail" {
		h.t.Fatalf("preset = %q, want gmail", wz.draft.Preset)
	}
	if srv != nil {
		s := wz.server
		typeInto(s.host.entry, "127.0.0.1")
		s.security.SetSelected("STARTTLS")
		typeInto(s.port.entry, strconv.Itoa(srv.Port))
		s.advanced.Open(0)
		typeInto(s.caFile.entry, srv.CAFile)
	}
	h.tapNext()
	if h.stepID() != stepAccount {
		h.t.Fatalf("on step %q, want account", h.stepID())
	}
	return wz.account
}

// storedToken is the profile's sign-in entry in the test keyring ("" if none).
func storedToken(h *harness, name string) string {
	v, err := h.keyring.Get(smtp.OAuthKey(name))
	if err != nil {
		return ""
	}
	return v
}

// signIn taps "Sign in with Google" and waits until it finished.
func signIn(h *harness, a *accountStep) {
	h.t.Helper()
	o := a.oauth
	if !o.button.Visible() || o.button.Disabled() {
		h.t.Fatalf("no usable sign-in button (visible %v)", o.button.Visible())
	}
	test.Tap(o.button)
	h.waitFor("the sign-in to finish", 20*time.Second, func() bool { return !o.running })
}

func TestOAuthSignInWithGoogleThenSendXOAUTH2(t *testing.T) {
	auth := oauthtest.Start(t, oauthtest.Config{Email: oauthAccount})
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, RequireAuth: true,
		XOAUTH2: func(user, token string) bool { return user == oauthAccount && auth.Valid(token) }})
	h := newHarness(t, withOAuth(auth, nil))
	a := walkGmailToAccount(h, srv)
	wz := h.wizard()
	o := a.oauth

	// Sign in with Google is offered first and chosen; no password field.
	if got := o.method.Options; len(got) != 2 || got[0] != "Sign in with Google" || got[1] != "App password" {
		t.Fatalf("methods = %q", got)
	}
	if o.method.Selected != "Sign in with Google" || wz.draft.Auth != smtp.AuthXOAUTH2 {
		t.Fatalf("selected %q, auth %q; want Sign in with Google", o.method.Selected, wz.draft.Auth)
	}
	if o.pwBox.Visible() || !o.box.Visible() || o.button.Text != "Sign in with Google" {
		t.Fatalf("password shown %v, sign-in shown %v, button %q", o.pwBox.Visible(), o.box.Visible(), o.button.Text)
	}
	h.waitFor("the client ID check", 5*time.Second, func() bool { return !o.checking })
	if o.problem.box.Visible() {
		t.Fatalf("a problem is shown before signing in: %q", o.problem.text.Text)
	}
	// Not signed in yet: Save and continue waits and says why.
	if !wz.next.Disabled() || !strings.Contains(wz.navHint.text.Text, "Sign in first") {
		t.Fatalf("Next disabled %v, hint %q; want Sign in first", wz.next.Disabled(), wz.navHint.text.Text)
	}

	signIn(h, a)
	if o.err != nil {
		t.Fatalf("sign-in failed: %v (%s)", o.err, o.problem.text.Text)
	}
	if !o.signedIn.box.Visible() || o.signedIn.text.Text != "Signed in as "+oauthAccount {
		t.Fatalf("after sign-in: %q (visible %v)", o.signedIn.text.Text, o.signedIn.box.Visible())
	}
	if o.waiting.Visible() || o.activity.Visible() && o.waiting.Visible() || o.button.Visible() {
		t.Error("the spinner or the sign-in button is still shown")
	}
	if !o.signOutBtn.Visible() {
		t.Error("no Sign out button")
	}
	tok := storedToken(h, oauthAccount)
	if !strings.Contains(tok, "refresh_token") {
		t.Fatalf("keyring entry %q, want the tokens", smtp.OAuthKey(oauthAccount))
	}
	if _, err := h.keyring.Get(oauthAccount); err == nil {
		t.Error("a password was stored for a signed-in profile")
	}
	if p, err := smtp.NewStore(h.dir).Get(oauthAccount); err != nil || p.Auth != smtp.AuthXOAUTH2 || p.Username != oauthAccount {
		t.Fatalf("saved profile = %+v, %v", p, err)
	}
	if auth.Count("authorize") != 1 {
		t.Errorf("authorize requests = %d", auth.Count("authorize"))
	}

	// Save and continue, then send: AUTH XOAUTH2 with the fresh token.
	h.tapNext()
	h.waitFor("the test step", 5*time.Second, func() bool { return h.stepID() == stepTest })
	ts := wz.test
	test.Tap(ts.sendBtn)
	h.waitFor("the test message", 15*time.Second, func() bool { return !ts.running })
	if ts.resultTitle.Text != "Test message delivered" {
		t.Fatalf("result = %q: %q %q\n%s", ts.resultTitle.Text, ts.resultText.Text, ts.resultReply.Text, ts.transcript.Text)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("server got %d messages", n)
	}
	wantRows(t, ts, map[smtp.Stage]rowState{smtp.StageAuth: rowOK, smtp.StageData: rowOK})
	if !strings.Contains(ts.transcript.Text, "AUTH XOAUTH2") {
		t.Errorf("transcript shows no AUTH XOAUTH2:\n%s", ts.transcript.Text)
	}
	if strings.Contains(ts.transcript.Text, "Bearer") {
		t.Error("the transcript shows the access token")
	}
}

func TestOAuthSignInCancelStoresNothing(t *testing.T) {
	auth := oauthtest.Start(t, oauthtest.Config{Email: oauthAccount})
	var mu sync.Mutex
	var opened []string
	// A browser that cannot be started: the address is shown instead.
	browser := func(u string) error {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, u)
		return errors.New("no browser here")
	}
	h := newHarness(t, withOAuth(auth, browser))
	a := walkGmailToAccount(h, nil)
	o := a.oauth
	test.Tap(o.button)
	h.waitFor("the sign-in address", 5*time.Second, func() bool { return o.urlBox.Visible() })
	if !o.running || !o.waiting.Visible() || o.waitText.Text != "Waiting for you to finish signing in in your browser…" {
		t.Fatalf("waiting shown %v (%q)", o.waiting.Visible(), o.waitText.Text)
	}
	if o.button.Visible() || !o.cancelBtn.Visible() {
		t.Error("while waiting: the sign-in button is shown or Cancel is not")
	}
	mu.Lock()
	first := opened[0]
	mu.Unlock()
	if o.urlText.Text != first || !o.urlText.Selectable || !strings.Contains(first, auth.URL) {
		t.Errorf("address shown %q (selectable %v), opened %q", o.urlText.Text, o.urlText.Selectable, first)
	}
	if !strings.Contains(o.urlNote.Text, "could not be opened") {
		t.Errorf("note = %q", o.urlNote.Text)
	}
	test.Tap(o.openAgain)
	h.waitFor("the second opening", 5*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(opened) == 2
	})

	test.Tap(o.cancelBtn)
	h.waitFor("the cancelled sign-in", 5*time.Second, func() bool { return !o.running })
	if o.waiting.Visible() || o.urlBox.Visible() || o.activity.Visible() && o.waiting.Visible() {
		t.Error("the spinner or the address is still shown after Cancel")
	}
	if !o.button.Visible() || o.problem.box.Visible() || o.signedIn.box.Visible() {
		t.Errorf("after Cancel: button %v, problem %v (%q), signed in %v", o.button.Visible(), o.problem.box.Visible(), o.problem.text.Text, o.signedIn.box.Visible())
	}
	if !h.wizard().next.Disabled() {
		t.Error("Save and continue is enabled without a sign-in")
	}
}

// Cancel after the browser came back, while the code is being exchanged
// (the token endpoint holds the request): nothing is stored, and the panel
// does not say "Signed in".
func TestOAuthCancelDuringExchangeStoresNothing(t *testing.T) {
	auth := oauthtest.Start(t, oauthtest.Config{Email: oauthAccount})
	hold := auth.Hold(t, "authorization_code")
	// A browser that comes back to the app (in the background, as a real
	// one does).
	browser := func(u string) error {
		go func() { _ = oauthtest.Browser(nil)(u) }()
		return nil
	}
	h := newHarness(t, withOAuth(auth, browser))
	a := walkGmailToAccount(h, nil)
	o := a.oauth
	test.Tap(o.button)
	h.waitFor("the code exchange", 10*time.Second, func() bool { return auth.Held("authorization_code") == 1 })
	if !o.running || !o.cancelBtn.Visible() {
		t.Fatalf("not waiting while the code is exchanged (running %v)", o.running)
	}
	test.Tap(o.cancelBtn)
	h.waitFor("the cancelled sign-in", 10*time.Second, func() bool { return !o.running })
	// The exchange was abandoned, not left to finish in the background:
	// the token endpoint, still holding it, sees the client give up.
	h.waitFor("the cancelled code exchange to be abandoned", 10*time.Second, func() bool { return auth.Held("authorization_code") == 0 })
	hold.Release()
	if n := auth.Count("authorization_code"); n != 0 {
		t.Errorf("the code exchange went on after Cancel (%d answered)", n)
	}
	h.q.drain()
	if tok := storedToken(h, oauthAccount); tok != "" {
		t.Error("tokens were stored after Cancel")
	}
	if o.signedIn.box.Visible() {
		t.Errorf("the panel says %q after Cancel", o.signedIn.text.Text)
	}
	if o.problem.box.Visible() || !o.button.Visible() {
		t.Errorf("after Cancel: problem %v (%q), button %v", o.problem.box.Visible(), o.problem.text.Text, o.button.Visible())
	}
	if st, err := h.oauth.Status(oauthAccount); err != nil || st.SignedIn {
		t.Errorf("status after Cancel: %+v %v", st, err)
	}
	if !h.wizard().next.Disabled() {
		t.Error("Save and continue is enabled without a sign-in")
	}
}

// The provider gives no refresh token (and none is stored): the panel says
// what to do, not "Signed in".
func TestOAuthNoRefreshTokenIsNotSignedIn(t *testing.T) {
	auth := oauthtest.Start(t, oauthtest.Config{Email: oauthAccount, NoRefreshToken: true})
	h := newHarness(t, withOAuth(auth, nil))
	a := walkGmailToAccount(h, nil)
	o := a.oauth
	signIn(h, a)
	want := (&oauth.Error{Kind: oauth.ErrNoRefreshToken, Provider: oauth.Google}).Hint()
	if o.signedIn.box.Visible() || !o.problem.box.Visible() || o.problem.text.Text != want {
		t.Fatalf("signed in shown %v (%q), problem %q", o.signedIn.box.Visible(), o.signedIn.text.Text, o.problem.text.Text)
	}
	if storedToken(h, oauthAccount) != "" || !h.wizard().next.Disabled() {
		t.Error("stored tokens, or Save and continue enabled, without a refresh token")
	}
}

func TestOAuthConsentDeniedShowsHint(t *testing.T) {
	auth := oauthtest.Start(t, oauthtest.Config{Email: oauthAccount, DenyConsent: true})
	h := newHarness(t, withOAuth(auth, nil))
	a := walkGmailToAccount(h, nil)
	o := a.oauth
	signIn(h, a)
	want := (&oauth.Error{Kind: oauth.ErrConsentDenied}).Hint()
	if !o.problem.box.Visible() || o.problem.text.Text != want {
		t.Fatalf("problem %q (visible %v), want %q", o.problem.text.Text, o.problem.box.Visible(), want)
	}
	if o.console.Visible() {
		t.Error("a refused consent links to the developer console")
	}
	if !o.button.Visible() || o.waiting.Visible() {
		t.Error("no way to try again")
	}
	if storedToken(h, oauthAccount) != "" {
		t.Error("tokens stored after a refusal")
	}
}

func TestOAuthNoClientIDShowsRegistrationHelp(t *testing.T) {
	h := newHarness(t) // the default manager knows no client ID
	a := walkGmailToAccount(h, nil)
	o := a.oauth
	// Without a client ID the app password is preselected; choosing
	// Sign in with Google says what is missing.
	if o.method.Selected != "App password" {
		t.Fatalf("selected %q without a client ID, want App password", o.method.Selected)
	}
	o.method.SetSelected("Sign in with Google")
	h.waitFor("the registration help", 5*time.Second, func() bool { return o.problem.box.Visible() })
	// The window's help: the provider's two steps, as on the command line,
	// then where the window takes the client ID.
	help := windowRegistrationHelp(oauth.Google)
	steps := oauth.RegistrationSteps(oauth.Google)
	if len(help) != 3 || len(steps) != 2 || help[0] != steps[0] || help[1] != steps[1] ||
		!strings.Contains(help[2], "Settings → Sign-in apps") || !strings.Contains(help[2], "smtpconf oauth setup google") {
		t.Fatalf("window help = %q", help)
	}
	// The registration steps are for administrators, behind their expander.
	for _, line := range help {
		if !strings.Contains(o.adminText.Text, displayText(line)) {
			t.Errorf("help %q lacks %q", o.adminText.Text, line)
		}
	}
	if strings.Contains(o.adminText.Text, "Give smtpconf the client ID") {
		t.Errorf("the window shows the command line's third line: %q", o.adminText.Text)
	}
	if !o.console.Visible() || o.console.URL == nil || o.console.URL.Host != "console.cloud.google.com" {
		t.Errorf("console link = %v (visible %v)", o.console.URL, o.console.Visible())
	}
	if !o.setupBtn.Visible() || o.setupBtn.Text != "Enter client ID…" {
		t.Errorf("Enter client ID… shown %v (%q)", o.setupBtn.Visible(), o.setupBtn.Text)
	}
}

func TestOAuthWindowRegistrationHelpMicrosoft(t *testing.T) {
	inEnglish(t)
	help := windowRegistrationHelp(oauth.Microsoft)
	steps := oauth.RegistrationSteps(oauth.Microsoft)
	if len(help) != 3 || len(steps) != 2 || help[0] != steps[0] || help[1] != steps[1] ||
		!strings.Contains(help[2], "SMTP.Send") || !strings.Contains(help[2], "Settings → Sign-in apps") ||
		!strings.Contains(help[2], "smtpconf oauth setup microsoft --client-id ID") {
		t.Fatalf("window help = %q", help)
	}
	// The command line's three lines: ui/cli's TestRemedyHints.
}

func TestOAuthStatusOnOpenAndSignOut(t *testing.T) {
	auth := oauthtest.Start(t, oauthtest.Config{Email: oauthAccount})
	h := newHarness(t, withOAuth(auth, nil))
	a := walkGmailToAccount(h, nil)
	signIn(h, a)
	if storedToken(h, oauthAccount) == "" {
		t.Fatalf("not signed in: %v", a.oauth.err)
	}

	// Open the window again: the saved profile's Account step shows the
	// sign-in, looked up in the background.
	h.m.shutdown()
	h.q.drain()
	h.open()
	wz := h.wizard()
	if wz.isNew || wz.origName != oauthAccount {
		t.Fatalf("opened %q (new %v)", wz.origName, wz.isNew)
	}
	wz.goTo(2)
	o := wz.account.oauth
	h.waitFor("the sign-in status", 5*time.Second, func() bool { return o.signedIn.box.Visible() })
	if o.signedIn.text.Text != "Signed in as "+oauthAccount || wz.next.Disabled() {
		t.Fatalf("status %q, Next disabled %v", o.signedIn.text.Text, wz.next.Disabled())
	}

	test.Tap(o.signOutBtn)
	if o.confirm == nil {
		t.Fatal("Sign out did not ask first")
	}
	o.confirm.Confirm()
	h.waitFor("the sign-out", 5*time.Second, func() bool { return !o.signedIn.box.Visible() && o.button.Visible() })
	if storedToken(h, oauthAccount) != "" {
		t.Error("the tokens are still in the keyring after Sign out")
	}
	if !wz.next.Disabled() || !strings.Contains(wz.navHint.text.Text, "Sign in first") {
		t.Errorf("after Sign out: Next disabled %v, hint %q", wz.next.Disabled(), wz.navHint.text.Text)
	}
}

// A signed-in profile's message that waited in the outbox is sent by the
// window's outbox worker with XOAUTH2, after fetching a new access token
// when the server refuses the old one.
func TestOAuthOutboxRetrySendsWithXOAUTH2(t *testing.T) {
	auth := oauthtest.Start(t, oauthtest.Config{Email: oauthAccount})
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, RequireAuth: true,
		XOAUTH2:  func(user, token string) bool { return user == oauthAccount && auth.Valid(token) },
		FailRcpt: &smtptest.Reply{Code: 451, Enhanced: "4.7.1", Message: "Try again later"}})
	h := newHarness(t, withDir(outboxDir(t, "10m")), withOAuth(auth, nil))
	if !h.m.outbox.available() {
		t.Fatalf("the outbox did not open: %v", h.m.outbox.openErr)
	}
	a := walkGmailToAccount(h, srv)
	signIn(h, a)
	h.tapNext()
	h.waitFor("the test step", 5*time.Second, func() bool { return h.stepID() == stepTest })
	ts := h.wizard().test
	test.Tap(ts.sendBtn)
	h.waitFor("the test send", 15*time.Second, func() bool { return !ts.running })
	if !ts.queuedRow.Visible() {
		t.Fatalf("not queued: %q (%q)", ts.resultTitle.Text, ts.resultText.Text)
	}

	// The server accepts now, but no longer the access token in the keyring.
	srv.Set(func(c *smtptest.Config) { c.FailRcpt = nil })
	auth.ExpireAccess()
	refreshes := auth.Count("refresh_token")
	test.Tap(ts.openOutbox)
	v, b := h.m.outboxView, h.m.outbox
	h.waitFor("the queued entry", 5*time.Second, func() bool { return len(b.entries) == 1 && b.detail != nil })
	test.Tap(v.retryBtn)
	h.waitFor("the retried message to be sent", 15*time.Second, func() bool {
		return len(b.entries) == 1 && b.entries[0].State == queue.Sent
	})
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("server got %d messages", n)
	}
	if auth.Count("refresh_token") <= refreshes {
		t.Error("the refused access token was not refreshed")
	}
}

// Outlook.com signs in with Microsoft only; Microsoft 365 offers the
// password as the alternative.
func TestOAuthMicrosoftPresetsOfferSignIn(t *testing.T) {
	h := newHarness(t)
	h.walkProvider("bob@outlook.com", "")
	h.tapNext()
	a := h.wizard().account
	o := a.oauth
	if h.wizard().draft.Preset != "outlook" || o.methodBox.Visible() || !o.box.Visible() || o.pwBox.Visible() {
		t.Fatalf("outlook: preset %q, method choice %v, sign-in %v, password %v",
			h.wizard().draft.Preset, o.methodBox.Visible(), o.box.Visible(), o.pwBox.Visible())
	}
	if o.button.Text != "Sign in with Microsoft" {
		t.Errorf("button = %q", o.button.Text)
	}

	h = newHarness(t)
	h.walkProvider("bob@contoso.example", "microsoft365")
	h.tapNext()
	wz := h.wizard()
	o = wz.account.oauth
	// This build knows no Microsoft client ID, so the password is preselected.
	if got := o.method.Options; len(got) != 2 || got[0] != "Sign in with Microsoft" || got[1] != "Password" || o.method.Selected != got[1] {
		t.Fatalf("microsoft365 methods = %q (selected %q), want the password preselected without a client ID", got, o.method.Selected)
	}
	o.method.SetSelected("Password")
	if wz.draft.Auth != smtp.AuthLogin || !o.pwBox.Visible() || o.box.Visible() {
		t.Fatalf("after choosing Password: auth %q, password shown %v", wz.draft.Auth, o.pwBox.Visible())
	}
	o.method.SetSelected("Sign in with Microsoft")
	if wz.draft.Auth != smtp.AuthXOAUTH2 || o.pwBox.Visible() {
		t.Fatalf("back to signing in: auth %q", wz.draft.Auth)
	}
}

// A window-only person: no client ID in the build, "Enter client ID…" on
// the Account step opens the Settings, the ID and secret are saved there,
// and "Sign in with Google" then works without reopening the profile.
func TestOAuthClientIDEnteredInSettingsSignsIn(t *testing.T) {
	inEnglish(t)
	const id, secret = "123-abc.apps.googleusercontent.com", "GOCSPX-s3cret"
	auth := oauthtest.Start(t, oauthtest.Config{Email: oauthAccount, ClientID: id, ClientSecret: secret})
	h := newHarness(t, withOAuthEnv(auth, nil))
	a := walkGmailToAccount(h, nil)
	o := a.oauth
	if o.method.Selected != "App password" {
		t.Fatalf("selected %q without a client ID, want App password", o.method.Selected)
	}
	o.method.SetSelected("Sign in with Google")
	h.waitFor("the registration help", 5*time.Second, func() bool { return o.problem.box.Visible() && o.setupBtn.Visible() })
	if !strings.Contains(o.adminText.Text, "no client ID for Google") {
		t.Fatalf("registration help = %q", o.adminText.Text)
	}

	test.Tap(o.setupBtn)
	sv := h.m.settings
	if sv == nil || sv.apps == nil {
		t.Fatal("Enter client ID… did not open the Settings")
	}
	g := sv.apps.forms[0]
	if g.id != oauth.Google || !g.item.Open || sv.apps.forms[1].item.Open {
		t.Fatalf("open parts: google %v, microsoft %v", g.item.Open, sv.apps.forms[1].item.Open)
	}
	if sv.scroll.Offset.Y <= 0 || sv.scroll.Offset.Y > sv.apps.box.Position().Y {
		t.Errorf("the Settings are scrolled to %v, want the sign-in apps at %v", sv.scroll.Offset.Y, sv.apps.box.Position().Y)
	}
	h.waitFor("oauth.json to be read", 5*time.Second, func() bool { return g.loaded })
	if g.item.Title != "Google: not set up" || g.clientID.entry.Disabled() || g.clientID.note.Visible() {
		t.Fatalf("title %q, client ID disabled %v, note %q", g.item.Title, g.clientID.entry.Disabled(), g.clientID.note.Text)
	}
	if !g.secret.entry.Password {
		t.Error("the client secret is shown in clear")
	}
	typeInto(g.clientID.entry, id)
	typeInto(g.secret.entry, secret)
	test.Tap(g.save)
	h.waitFor("the save", 5*time.Second, func() bool { return !g.apps.state.busy && g.msg.box.Visible() })
	path := filepath.Join(h.oauth.ConfigDir, oauth.SettingsFile)
	if g.msg.text.Text != "Saved in "+path+"." {
		t.Fatalf("after Save: %q", g.msg.text.Text)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("oauth.json: %v, mode %v; want 0600", err, fi.Mode())
	}
	s, err := oauth.LoadSettings(h.oauth.ConfigDir)
	if err != nil || s.Google.ClientID != id || s.Google.ClientSecret != secret || s.Microsoft != (oauth.ProviderSettings{}) {
		t.Fatalf("oauth.json = %+v, %v", s, err)
	}
	if g.item.Title != "Google: set up" || !g.remove.Visible() || g.remove.Disabled() {
		t.Errorf("after Save: title %q, Remove disabled %v", g.item.Title, g.remove.Disabled())
	}

	// The Account step saw it, without reopening.
	h.waitFor("the sign-in panel to see the client ID", 5*time.Second, func() bool {
		return !o.checking && !o.problem.box.Visible() && o.button.Visible()
	})
	sv.dlg.Hide()
	signIn(h, a)
	if o.err != nil {
		t.Fatalf("sign-in failed: %v (%s)", o.err, o.problem.text.Text)
	}
	if !o.signedIn.box.Visible() || !strings.Contains(storedToken(h, oauthAccount), "refresh_token") {
		t.Fatalf("not signed in: %q", o.signedIn.text.Text)
	}
	if got := auth.LastAuthorize().Get("client_id"); got != id {
		t.Errorf("signed in with client_id %q, want %q", got, id)
	}
}

// TestSignInWithoutClientIDIsDisabledWithReason: without a client ID, the
// person sees one sentence and the working alternative; the Sign-in button
// is disabled, and the developer steps wait behind "For administrators".
func TestSignInWithoutClientIDIsDisabledWithReason(t *testing.T) {
	h := newHarness(t) // the default manager knows no client ID
	a := walkGmailToAccount(h, nil)
	o := a.oauth
	o.method.SetSelected("Sign in with Google")
	h.waitFor("the client ID check", 5*time.Second, func() bool { return !o.checking && o.problem.box.Visible() })
	if !o.button.Disabled() {
		t.Error("Sign in with Google is enabled although it cannot work")
	}
	want := "Signing in with Google is not set up in this copy of SMTP Configurator. Use an app password instead."
	if o.problem.text.Text != want {
		t.Errorf("the notice says %q, want %q", o.problem.text.Text, want)
	}
	if o.problem.text.Importance == widget.DangerImportance || strings.Contains(o.problem.text.Text, "console.cloud.google.com") {
		t.Error("the person is shown developer instructions in red")
	}
	if !o.admin.Visible() || len(o.admin.Items) != 1 || o.admin.Items[0].Title != "For administrators" || o.admin.Items[0].Open {
		t.Error("the registration steps are not behind a closed “For administrators”")
	}
	if !strings.Contains(o.adminText.Text, "console.cloud.google.com") {
		t.Errorf("the administrators' part lacks the steps: %q", o.adminText.Text)
	}
	if h.wizard().next.Disabled() && strings.Contains(h.wizard().navHint.text.Text, "press") {
		t.Errorf("the hint asks to press the disabled button: %q", h.wizard().navHint.text.Text)
	}
	if !o.usePwBtn.Visible() || o.usePwBtn.Text != "Use an app password" {
		t.Fatalf("the alternative is not offered (%q)", o.usePwBtn.Text)
	}
	test.Tap(o.usePwBtn)
	if a.usesSignIn() || o.method.Selected != "App password" || !o.pwBox.Visible() {
		t.Errorf("Use an app password left the method on %q", o.method.Selected)
	}
}
