package oauth_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

const (
	testClientID     = "test-client.apps.example"
	testClientSecret = "test-client-secret"
	testAccount      = "ann@example.test"
)

// fixture is an OAuth2 server, an SMTP server that accepts only its access
// tokens, and a Manager pointed at both.
type fixture struct {
	auth *oauthtest.Server
	smtp *smtptest.Server
	m    *oauth.Manager
	p    smtp.Profile
	dir  string
}

func newFixture(t *testing.T, store smtp.SecretStore, name string, cfg oauthtest.Config) *fixture {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID, cfg.ClientSecret = testClientID, testClientSecret
	}
	if cfg.Email == "" {
		cfg.Email = testAccount
	}
	f := &fixture{dir: t.TempDir()}
	f.auth = oauthtest.Start(t, cfg)
	f.smtp = smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, RequireAuth: true,
		XOAUTH2: func(user, token string) bool { return user == testAccount && f.auth.Valid(token) }})
	f.m = &oauth.Manager{
		Secrets:   store,
		ConfigDir: f.dir,
		Getenv:    f.auth.Getenv(func(string) string { return "" }),
		Browser:   oauthtest.Browser(nil),
		Timeout:   20 * time.Second,
	}
	f.p = smtp.Profile{Name: name, Preset: "gmail", Host: f.smtp.Host, Port: f.smtp.Port,
		Security: smtp.SecuritySTARTTLS, Auth: smtp.AuthXOAUTH2, Username: testAccount, From: testAccount}
	return f
}

// send sends a test message through the SMTP server with the profile's
// tokens; the password store must never be asked.
func (f *fixture) send(t *testing.T) smtp.Report {
	t.Helper()
	opts := smtp.Options{
		Profile: f.p,
		Token:   f.m.TokenFunc(f.p),
		Secret: func() (string, error) {
			t.Error("the password was read for an xoauth2 profile")
			return "", smtp.ErrSecretNotFound
		},
		RootCAs: f.smtp.CAPool,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, _ := smtp.Test(ctx, opts, nil)
	return rep
}

func (f *fixture) signIn(t *testing.T) oauth.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var shown string
	st, err := f.m.SignIn(ctx, f.p, func(u string, berr error) {
		shown = u
		if berr != nil {
			t.Errorf("browser: %v", berr)
		}
	})
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if !strings.HasPrefix(shown, f.auth.URL+"/google/authorize?") {
		t.Errorf("sign-in page %q is not the test server's", shown)
	}
	return st
}

// noSecrets fails if any token the server issued, or its XOAUTH2 form,
// appears in s.
var tokenRE = regexp.MustCompile(`\b(at|rt|code)-[0-9a-f]{16,}`)

func checkNoTokens(t *testing.T, where, s string) {
	t.Helper()
	if m := tokenRE.FindString(s); m != "" {
		t.Errorf("%s contains a token: %q", where, m)
	}
	// The XOAUTH2 initial response starts with base64("user=" + account).
	blob := base64.StdEncoding.EncodeToString([]byte("user=" + testAccount + "\x01auth=Bearer "))
	if strings.Contains(s, blob[:24]) {
		t.Errorf("%s contains the XOAUTH2 blob", where)
	}
}

// loop is the whole life of a sign-in, against any secret store: sign in
// (code + PKCE), send with XOAUTH2, the server refusing the token (refresh
// and retry once), expiry within the margin (refresh before use), rotation,
// invalid_grant (sign in again), sign out. lookup, if set, reads the stored
// entry independently of the store.
func loop(t *testing.T, store smtp.SecretStore, name string, lookup func(user string) (string, bool)) {
	f := newFixture(t, store, name, oauthtest.Config{})

	if st, err := f.m.Status(name); err != nil || st.SignedIn {
		t.Fatalf("before sign-in: %+v, %v", st, err)
	}
	st := f.signIn(t)
	if !st.SignedIn || st.Account != testAccount || st.Provider != oauth.Google || time.Until(st.Expires) < 50*time.Minute {
		t.Fatalf("after sign-in: %+v", st)
	}
	q := f.auth.LastAuthorize()
	if q.Get("code_challenge_method") != "S256" || q.Get("access_type") != "offline" ||
		q.Get("login_hint") != testAccount || !strings.Contains(q.Get("scope"), "https://mail.google.com/") {
		t.Errorf("authorization request: %v", q)
	}
	if ru, _ := url.Parse(q.Get("redirect_uri")); ru == nil || ru.Hostname() != "127.0.0.1" || ru.Port() == "" {
		t.Errorf("redirect_uri %q is not a loopback address with a port", q.Get("redirect_uri"))
	}
	entry := func() map[string]any {
		t.Helper()
		v, err := store.Get(smtp.OAuthKey(name))
		if err != nil {
			t.Fatalf("stored entry: %v", err)
		}
		if lookup != nil {
			ext, ok := lookup(smtp.OAuthKey(name))
			if !ok || ext != v {
				t.Fatalf("secret-tool finds %v for %s (want the entry the store returns)", ok, smtp.OAuthKey(name))
			}
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	e := entry()
	rt1, _ := e["refresh_token"].(string)
	if !strings.HasPrefix(rt1, "rt-") || e["provider"] != "google" || e["account"] != testAccount {
		t.Fatalf("stored entry lacks the refresh token, provider or account: keys %v", keys(e))
	}
	if _, err := store.Get(name); !errors.Is(err, smtp.ErrSecretNotFound) {
		t.Errorf("a password entry appeared under %q: %v", name, err)
	}

	// Send with the access token from the sign-in: no refresh needed.
	rep := f.send(t)
	if !rep.OK || rep.AuthMech != "XOAUTH2" {
		t.Fatalf("send: %+v", rep)
	}
	if n := f.auth.Count("refresh_token"); n != 0 {
		t.Errorf("%d refreshes for a fresh token", n)
	}
	msgs := f.smtp.Messages()
	if len(msgs) != 1 || msgs[0].Auth != testAccount {
		t.Fatalf("messages: %+v", msgs)
	}
	checkNoTokens(t, "transcript", strings.Join(rep.Transcript, "\n"))
	if !slicesContains(rep.Transcript, "C: AUTH XOAUTH2 [redacted]") {
		t.Errorf("transcript does not show the redacted AUTH line:\n%s", strings.Join(rep.Transcript, "\n"))
	}

	// The server refuses the token (revoked, or expired early): 334 with a
	// JSON error, then 535; one forced refresh and one retry.
	f.auth.ExpireAccess()
	rep = f.send(t)
	if !rep.OK {
		t.Fatalf("send after the token was refused: %+v\n%s", rep, strings.Join(rep.Transcript, "\n"))
	}
	if n := f.auth.Count("refresh_token"); n != 1 {
		t.Errorf("%d refreshes after a refused token, want 1", n)
	}
	tr := strings.Join(rep.Transcript, "\n")
	if !strings.Contains(tr, "535") || !strings.Contains(tr, "getting a new one") {
		t.Errorf("transcript does not show the refusal and the retry:\n%s", tr)
	}
	checkNoTokens(t, "transcript", tr)

	// Expiry: a token with less than ExpiryMargin left is refreshed before
	// use; with rotation the refresh token changes and is stored.
	f.auth.Set(func(c *oauthtest.Config) { c.AccessTTL = time.Minute; c.Rotate = true })
	ts := f.m.TokenSource(name)
	ctx := context.Background()
	if _, err := ts.Token(ctx, true); err != nil {
		t.Fatal(err)
	}
	before := f.auth.Count("refresh_token")
	if rep := f.send(t); !rep.OK {
		t.Fatalf("send with a token about to expire: %+v", rep)
	}
	if n := f.auth.Count("refresh_token"); n != before+1 {
		t.Errorf("refreshes %d -> %d: a token within the margin was not refreshed before use", before, n)
	}
	if rt2, _ := entry()["refresh_token"].(string); rt2 == rt1 || !strings.HasPrefix(rt2, "rt-") {
		t.Errorf("rotated refresh token not stored")
	}
	f.auth.Set(func(c *oauthtest.Config) { c.AccessTTL = time.Hour; c.Rotate = false })
	if _, err := ts.Token(ctx, true); err != nil {
		t.Fatalf("refresh with the rotated token: %v", err)
	}
	before = f.auth.Count("refresh_token")
	for range 3 {
		if _, err := ts.Token(ctx, false); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.auth.Count("refresh_token"); n != before {
		t.Errorf("a valid token was refreshed again (%d -> %d)", before, n)
	}

	// The refresh token is revoked: invalid_grant asks to sign in again,
	// and a send fails as an authentication failure (exit 5).
	f.auth.Set(func(c *oauthtest.Config) { c.InvalidGrant = true })
	_, err := ts.Token(ctx, true)
	var oe *oauth.Error
	if !errors.Is(err, oauth.ErrSignInAgain) || !errors.Is(err, smtp.ErrSignInRequired) || !errors.As(err, &oe) ||
		!strings.Contains(oe.Hint(), "Sign in again") {
		t.Fatalf("refresh after revocation = %v", err)
	}
	checkNoTokens(t, "error", err.Error())
	f.auth.ExpireAccess()
	rep = f.send(t)
	if rep.OK || rep.Kind != smtp.KindOAuthSignIn || !strings.Contains(rep.Hint, "Sign in again") {
		t.Fatalf("send after revocation: ok=%v kind=%s hint=%q", rep.OK, rep.Kind, rep.Hint)
	}
	checkNoTokens(t, "report", rep.Message+rep.Hint+strings.Join(rep.Transcript, "\n"))

	// Profiles file: never a token.
	st2 := smtp.NewStore(f.dir)
	if err := st2.Save(f.p); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(st2.Path())
	if err != nil {
		t.Fatal(err)
	}
	checkNoTokens(t, "profiles.json", string(data))

	// Sign out.
	if err := f.m.SignOut(name); err != nil {
		t.Fatal(err)
	}
	if st, err := f.m.Status(name); err != nil || st.SignedIn {
		t.Fatalf("after sign-out: %+v, %v", st, err)
	}
	if lookup != nil {
		if _, ok := lookup(smtp.OAuthKey(name)); ok {
			t.Error("secret-tool still finds the tokens after sign-out")
		}
	}
	_, err = ts.Token(ctx, false)
	if !errors.Is(err, oauth.ErrNotSignedIn) || !errors.Is(err, smtp.ErrSecretNotFound) {
		t.Fatalf("token after sign-out: %v", err)
	}
	rep = f.send(t)
	// The hint says what is wrong; the remedy (sign in with Google) is data
	// that the command line words as "smtpconf oauth login NAME".
	if rep.OK || rep.Kind != smtp.KindSetup || rep.Stage != smtp.StageSetup || !strings.Contains(rep.Hint, "not signed in") ||
		rep.Remedy != (smtp.Remedy{Action: smtp.RemedySignIn, Provider: "google", ProviderName: "Google"}) {
		t.Fatalf("send when signed out: ok=%v kind=%s stage=%s hint=%q remedy=%+v", rep.OK, rep.Kind, rep.Stage, rep.Hint, rep.Remedy)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestLoopInMemory runs the whole loop against in-memory secrets, so it runs
// everywhere.
func TestLoopInMemory(t *testing.T) {
	loop(t, smtp.NewSessionSecrets(), "work", nil)
}

// TestLoopRealKeyring runs the whole loop against the real keyring; it runs
// under .ci/with-keyring.sh (SMTPCONF_KEYRING_TEST=1), and checks the stored
// entry with secret-tool, an independent Secret Service client.
func TestLoopRealKeyring(t *testing.T) {
	k := realKeyring(t)
	name := testProfileName(t, k)
	loop(t, k, name, func(user string) (string, bool) { return secretToolLookup(t, user) })
}

// TestProfileRenameDeleteMoveTokens: renaming a profile's keyring entry
// moves its tokens along; deleting it deletes them.
func TestProfileRenameDeleteMoveTokens(t *testing.T) {
	k := realKeyring(t)
	name := testProfileName(t, k)
	f := newFixture(t, k, name, oauthtest.Config{})
	f.signIn(t)
	if _, ok := secretToolLookup(t, smtp.OAuthKey(name)); !ok {
		t.Fatal("no tokens stored")
	}
	renamed := name + "-renamed"
	t.Cleanup(func() { _ = k.Delete(renamed) })
	if err := k.Rename(name, renamed); err != nil {
		t.Fatal(err)
	}
	if _, ok := secretToolLookup(t, smtp.OAuthKey(name)); ok {
		t.Error("tokens still under the old name")
	}
	if _, ok := secretToolLookup(t, smtp.OAuthKey(renamed)); !ok {
		t.Error("tokens not under the new name")
	}
	f.m.Secrets = k
	if st, err := f.m.Status(renamed); err != nil || !st.SignedIn {
		t.Errorf("status after rename: %+v %v", st, err)
	}
	if err := k.Delete(renamed); err != nil {
		t.Fatal(err)
	}
	if _, ok := secretToolLookup(t, smtp.OAuthKey(renamed)); ok {
		t.Error("tokens left behind after the profile's entry was deleted")
	}
}

// A wrong state is refused (400) without exchanging the code; the sign-in
// keeps waiting for the right answer (TestSignInWrongStateThenRight), here
// until its timeout.
func TestSignInWrongStateRefused(t *testing.T) {
	store := smtp.NewSessionSecrets()
	f := newFixture(t, store, "work", oauthtest.Config{})
	// The redirect back to the app carries another state (a forged or
	// stale response).
	forge := oauthtest.Browser(func(u *url.URL) {
		if u.Hostname() == "127.0.0.1" && u.Query().Get("state") != "" {
			q := u.Query()
			q.Set("state", "forged")
			u.RawQuery = q.Encode()
		}
	})
	var browserErr error
	f.m.Browser = func(u string) error {
		browserErr = forge(u)
		return nil
	}
	f.m.Timeout = time.Second
	_, err := f.m.SignIn(context.Background(), f.p, nil)
	if !errors.Is(err, oauth.ErrTimeout) {
		t.Fatalf("SignIn with only a wrong state = %v, want a timeout", err)
	}
	if browserErr == nil || !strings.Contains(browserErr.Error(), "400") {
		t.Errorf("the wrong state was answered %v, want 400", browserErr)
	}
	if n := f.auth.Count("authorization_code"); n != 0 {
		t.Errorf("the code was exchanged %d times despite the wrong state", n)
	}
	if _, err := store.Get(smtp.OAuthKey("work")); !errors.Is(err, smtp.ErrSecretNotFound) {
		t.Errorf("tokens stored after a refused sign-in: %v", err)
	}
}

func TestSignInWrongVerifierRefused(t *testing.T) {
	f := newFixture(t, smtp.NewSessionSecrets(), "work", oauthtest.Config{})
	// Someone swaps the PKCE challenge on the way to the provider: the
	// verifier the app holds no longer matches, and the server refuses the
	// code.
	other := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	f.m.Browser = oauthtest.Browser(func(u *url.URL) {
		if strings.HasSuffix(u.Path, "/authorize") {
			q := u.Query()
			q.Set("code_challenge", other)
			u.RawQuery = q.Encode()
		}
	})
	_, err := f.m.SignIn(context.Background(), f.p, nil)
	var oe *oauth.Error
	if !errors.Is(err, oauth.ErrSignInFailed) || !errors.As(err, &oe) || oe.Code != "invalid_grant" ||
		!strings.Contains(oe.Description, "PKCE") {
		t.Fatalf("SignIn with a swapped challenge = %v", err)
	}

	// And the server itself: a token request with a wrong verifier.
	resp, err := http.PostForm(f.auth.URL+"/google/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {"code-unknown"}, "code_verifier": {"wrong"},
		"client_id": {testClientID}, "client_secret": {testClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("token endpoint accepted a bad request: %s", resp.Status)
	}
}

func TestSignInConsentDenied(t *testing.T) {
	f := newFixture(t, smtp.NewSessionSecrets(), "work", oauthtest.Config{DenyConsent: true})
	f.m.Browser = func(u string) error {
		// The browser page says the sign-in failed (400); that is expected.
		_ = oauthtest.Browser(nil)(u)
		return nil
	}
	_, err := f.m.SignIn(context.Background(), f.p, nil)
	var oe *oauth.Error
	if !errors.Is(err, oauth.ErrConsentDenied) || !errors.As(err, &oe) ||
		!strings.Contains(oe.Hint(), "Access was not granted") {
		t.Fatalf("SignIn when consent is denied = %v", err)
	}
}

func TestSignInCancelAndTimeout(t *testing.T) {
	f := newFixture(t, smtp.NewSessionSecrets(), "work", oauthtest.Config{})
	f.m.Browser = func(string) error { return nil } // the person never comes back
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := f.m.SignIn(ctx, f.p, nil)
	if !errors.Is(err, oauth.ErrCanceled) || !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("cancelled SignIn = %v after %s", err, time.Since(start))
	}
	f.m.Timeout = 200 * time.Millisecond
	_, err = f.m.SignIn(context.Background(), f.p, nil)
	if !errors.Is(err, oauth.ErrTimeout) {
		t.Fatalf("SignIn past its timeout = %v", err)
	}
}

func TestSignInPageIsFriendly(t *testing.T) {
	f := newFixture(t, smtp.NewSessionSecrets(), "work", oauthtest.Config{})
	var body string
	f.m.Browser = func(u string) error {
		resp, err := http.Get(u) // follows the redirect back to the app
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		body = b.String()
		return nil
	}
	if _, err := f.m.SignIn(context.Background(), f.p, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "You can close this tab") || !strings.Contains(body, testAccount) {
		t.Errorf("page after the redirect: %s", body)
	}
	checkNoTokens(t, "page", body)
}

func TestNoClientID(t *testing.T) {
	m := &oauth.Manager{Secrets: smtp.NewSessionSecrets(), ConfigDir: t.TempDir(), Getenv: func(string) string { return "" }}
	for _, tc := range []struct {
		preset string
		words  string
	}{{"gmail", "console.cloud.google.com"}, {"outlook", "portal.azure.com"}, {"microsoft365", "Allow public client flows"}} {
		p := smtp.Profile{Name: "x", Preset: tc.preset}
		_, err := m.SignIn(context.Background(), p, nil)
		var oe *oauth.Error
		if !errors.Is(err, oauth.ErrNoClientID) || !errors.As(err, &oe) || oe.Remedy().Action != smtp.RemedyRegisterOAuthClient {
			t.Fatalf("%s: SignIn without a client ID = %v", tc.preset, err)
		}
		hint := oe.Hint()
		// The provider's two steps; the front end adds where the ID goes.
		if !strings.Contains(hint, tc.words) || strings.Count(hint, "\n") != 2 || strings.Contains(hint, "smtpconf oauth setup") {
			t.Errorf("%s: hint is not the registration steps:\n%s", tc.preset, hint)
		}
	}
	_, err := m.SignIn(context.Background(), smtp.Profile{Name: "x", Preset: "yahoo", Host: "smtp.mail.yahoo.com"}, nil)
	if !errors.Is(err, oauth.ErrNoProvider) {
		t.Errorf("SignIn for yahoo = %v", err)
	}
}

func TestSettingsPrecedence(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	old := oauth.MicrosoftClientID
	oauth.MicrosoftClientID = "from-build"
	t.Cleanup(func() { oauth.MicrosoftClientID = old })
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	c, err := oauth.ResolveConfig(dir, oauth.Microsoft, getenv)
	if err != nil || c.ClientID != "from-build" || c.TokenURL != "https://login.microsoftonline.com/common/oauth2/v2.0/token" ||
		c.DeviceURL != "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode" {
		t.Fatalf("build default: %+v %v", c, err)
	}
	var s oauth.Settings
	s.Microsoft = oauth.ProviderSettings{ClientID: "from-file", Tenant: "organizations"}
	if err := oauth.SaveSettings(dir, s); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, oauth.SettingsFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("oauth.json mode: %v %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("config dir mode: %v %v", fi.Mode(), err)
	}
	c, _ = oauth.ResolveConfig(dir, oauth.Microsoft, getenv)
	if c.ClientID != "from-file" || !strings.Contains(c.AuthURL, "/organizations/oauth2/v2.0/authorize") {
		t.Fatalf("file: %+v", c)
	}
	env["SMTPCONF_MICROSOFT_CLIENT_ID"] = "from-env"
	env["SMTPCONF_OAUTH_BASE_URL"] = "http://127.0.0.1:1/base/"
	env["SMTPCONF_OAUTH_MICROSOFT_TOKEN_URL"] = "http://127.0.0.1:2/tok"
	c, _ = oauth.ResolveConfig(dir, oauth.Microsoft, getenv)
	if c.ClientID != "from-env" || c.AuthURL != "http://127.0.0.1:1/base/microsoft/authorize" ||
		c.TokenURL != "http://127.0.0.1:2/tok" || c.DeviceURL != "http://127.0.0.1:1/base/microsoft/device" {
		t.Fatalf("env: %+v", c)
	}
	if err := os.WriteFile(filepath.Join(dir, oauth.SettingsFile), []byte(`{"google": {"clientid": "typo"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := oauth.ResolveConfig(dir, oauth.Google, getenv); !errors.Is(err, oauth.ErrSettings) {
		t.Errorf("unknown field accepted: %v", err)
	}
}

func TestProviderFor(t *testing.T) {
	for _, tc := range []struct {
		p    smtp.Profile
		want oauth.ProviderID
		ok   bool
	}{
		{smtp.Profile{Preset: "gmail"}, oauth.Google, true},
		{smtp.Profile{Preset: "outlook"}, oauth.Microsoft, true},
		{smtp.Profile{Preset: "microsoft365"}, oauth.Microsoft, true},
		{smtp.Profile{Preset: "custom", Host: "smtp.office365.com"}, oauth.Microsoft, true},
		{smtp.Profile{Host: "SMTP.GMAIL.COM."}, oauth.Google, true},
		{smtp.Profile{Preset: "yahoo", Host: "smtp.mail.yahoo.com"}, "", false},
	} {
		if got, ok := oauth.ProviderFor(tc.p); got != tc.want || ok != tc.ok {
			t.Errorf("ProviderFor(%+v) = %q, %v", tc.p, got, ok)
		}
	}
	for _, id := range []string{"gmail", "outlook", "microsoft365"} {
		pr, _ := smtp.PresetByID(id)
		if _, ok := oauth.ProviderForPreset(id); !ok || pr.Auth != smtp.AuthXOAUTH2 {
			t.Errorf("preset %s: auth %s, provider %v", id, pr.Auth, ok)
		}
	}
}

func TestDeviceFlowPolling(t *testing.T) {
	t.Parallel()
	store := smtp.NewSessionSecrets()
	f := newFixture(t, store, "work", oauthtest.Config{ClientID: testClientID, DevicePending: 1, DeviceSlowDown: 1, DeviceInterval: 1})
	f.p.Preset = "outlook"
	var code oauth.DeviceCode
	st, err := f.m.SignInDevice(context.Background(), f.p, func(c oauth.DeviceCode) { code = c })
	if err != nil {
		t.Fatal(err)
	}
	if code.UserCode != "WDJB-MJHT" || !strings.HasPrefix(code.VerificationURL, f.auth.URL) || code.Expires.IsZero() {
		t.Errorf("device code shown: %+v", code)
	}
	if !st.SignedIn || st.Account != testAccount || st.Provider != oauth.Microsoft {
		t.Errorf("status: %+v", st)
	}
	polls := f.auth.DevicePolls()
	if len(polls) != 3 {
		t.Fatalf("%d polls, want 3 (pending, slow_down, success)", len(polls))
	}
	if gap := polls[1].Sub(polls[0]); gap < 900*time.Millisecond {
		t.Errorf("polled again after %s, before the 1 s interval", gap)
	}
	if gap := polls[2].Sub(polls[1]); gap < 5*time.Second {
		t.Errorf("after slow_down the client polled again after %s; it must add 5 s", gap)
	}
	if rep := f.send(t); !rep.OK {
		t.Fatalf("send after device sign-in: %+v", rep)
	}
}

func TestDeviceFlowDenied(t *testing.T) {
	t.Parallel()
	f := newFixture(t, smtp.NewSessionSecrets(), "work", oauthtest.Config{DeviceDeny: true})
	_, err := f.m.SignInDevice(context.Background(), f.p, nil)
	if !errors.Is(err, oauth.ErrConsentDenied) {
		t.Fatalf("denied device sign-in = %v", err)
	}
}

func TestTokenTooLarge(t *testing.T) {
	f := newFixture(t, smtp.NewSessionSecrets(), "work", oauthtest.Config{RefreshPadding: smtp.MaxSecretSize + 100})
	_, err := f.m.SignIn(context.Background(), f.p, nil)
	var oe *oauth.Error
	if !errors.Is(err, oauth.ErrTokenTooLarge) || !errors.Is(err, smtp.ErrSecretTooLarge) || !errors.As(err, &oe) ||
		!strings.Contains(oe.Hint(), "8192") {
		t.Fatalf("SignIn with a huge refresh token = %v", err)
	}
	// A refresh token that fits only without the access token is kept, and
	// the access token is left out: the largest padding that fits at all
	// fits only that way (the access token takes more than the 20-byte step).
	store := f.m.Secrets
	ok := false
	for pad := smtp.MaxSecretSize; pad > smtp.MaxSecretSize-600; pad -= 20 {
		f.auth.Set(func(c *oauthtest.Config) { c.RefreshPadding = pad })
		if _, err := f.m.SignIn(context.Background(), f.p, nil); err == nil {
			ok = true
			break
		} else if !errors.Is(err, oauth.ErrTokenTooLarge) {
			t.Fatal(err)
		}
	}
	if !ok {
		t.Fatal("no large refresh token could be stored")
	}
	v, err := store.Get(smtp.OAuthKey("work"))
	if err != nil || len(v) > smtp.MaxSecretSize || strings.Contains(v, "access_token") {
		t.Fatalf("stored entry: %d bytes, access token kept: %v (%v)", len(v), strings.Contains(v, "access_token"), err)
	}
	if rep := f.send(t); !rep.OK {
		t.Fatalf("send: %+v", rep)
	}
}

func TestTokenEndpointUnreachable(t *testing.T) {
	f := newFixture(t, smtp.NewSessionSecrets(), "work", oauthtest.Config{})
	f.signIn(t)
	f.auth.Close()
	_, err := f.m.TokenSource("work").Token(context.Background(), true)
	if !errors.Is(err, oauth.ErrUnreachable) || !errors.Is(err, smtp.ErrTokenEndpoint) {
		t.Fatalf("refresh with the provider down = %v", err)
	}
	// The server refuses the stored token; the forced refresh cannot reach
	// the provider: "could not connect" (3), temporary.
	f.auth.ExpireAccess()
	rep := f.send(t)
	if rep.OK || rep.Kind != smtp.KindOAuthUnreachable || !rep.Temporary ||
		!strings.Contains(rep.Hint, "could not be reached") {
		t.Fatalf("send with the provider down: ok=%v kind=%s temporary=%v hint=%q", rep.OK, rep.Kind, rep.Temporary, rep.Hint)
	}
}

// --- the real keyring -------------------------------------------------

func realKeyring(t *testing.T) smtp.Keyring {
	t.Helper()
	if os.Getenv("SMTPCONF_KEYRING_TEST") != "1" {
		t.Skip("needs a private keyring: run with bash .ci/with-keyring.sh go test ... (sets SMTPCONF_KEYRING_TEST=1)")
	}
	if _, err := exec.LookPath("secret-tool"); err != nil {
		t.Fatal("secret-tool not found (apt install libsecret-tools)")
	}
	k := smtp.Keyring{Timeout: 5 * time.Second}
	if _, err := k.Get("smtpconf-oauth-probe"); !errors.Is(err, smtp.ErrSecretNotFound) {
		t.Fatalf("keyring unreachable: %v", err)
	}
	return k
}

func testProfileName(t *testing.T, k smtp.Keyring) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "smtpconf-test-" + regexp.MustCompile(`[^A-Za-z0-9-]+`).ReplaceAllString(t.Name(), "-") + "-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if err := k.Delete(name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return name
}

// secretToolLookup asks secret-tool for an entry, as the keyring tests of
// package smtp do.
func secretToolLookup(t *testing.T, user string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "secret-tool", "lookup", "service", smtp.KeyringService, "username", user)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 && stdout.Len() == 0 {
		return "", false
	}
	if err != nil {
		t.Fatalf("secret-tool lookup %s: %v: %s", user, err, stderr.String())
	}
	return strings.TrimSuffix(stdout.String(), "\n"), true
}

// TestRotationByAnotherProcess: two token sources (the window and a cron run
// of the outbox) share the keyring entry; when one refreshes and the
// provider rotates the refresh token, the other's old one is refused, and it
// picks up the new one instead of asking to sign in again.
func TestRotationByAnotherProcess(t *testing.T) {
	store := smtp.NewSessionSecrets()
	f := newFixture(t, store, "work", oauthtest.Config{Rotate: true})
	f.signIn(t)
	stale, err := store.Get(smtp.OAuthKey("work"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := f.m.TokenSource("work").Token(ctx, true); err != nil {
		t.Fatal(err)
	}
	fresh, _ := store.Get(smtp.OAuthKey("work"))
	// The other process still holds the stale entry; simulate it by
	// refreshing from a store that first returns the stale entry.
	other := &staleOnce{SecretStore: store, key: smtp.OAuthKey("work"), stale: stale}
	m2 := *f.m
	m2.Secrets = other
	if _, err := m2.TokenSource("work").Token(ctx, true); err != nil {
		t.Fatalf("refresh after another process rotated the token: %v", err)
	}
	if now, _ := store.Get(smtp.OAuthKey("work")); now == fresh || now == stale {
		t.Error("the new rotated token was not stored")
	}
}

// staleOnce returns an old value for key on the first Get.
type staleOnce struct {
	smtp.SecretStore
	key, stale string
	done       bool
}

func (s *staleOnce) Get(k string) (string, error) {
	if k == s.key && !s.done {
		s.done = true
		return s.stale, nil
	}
	return s.SecretStore.Get(k)
}
