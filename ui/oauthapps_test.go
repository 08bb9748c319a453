//go:build !nogui

package ui

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
)

// withOAuthEnv signs in against auth (nil: nowhere) with an oauth.json of
// its own and no client ID but what env and the Settings give.
func withOAuthEnv(auth *oauthtest.Server, env map[string]string) harnessOption {
	return func(h *harness) {
		h.oauth = &oauth.Manager{
			Secrets:   smtp.LayeredSecrets{Session: h.session, Persistent: h.keyring},
			ConfigDir: h.t.TempDir(),
			Getenv: func(k string) string {
				if k == oauth.EnvBaseURL && auth != nil {
					return auth.URL
				}
				return env[k]
			},
			Browser: oauthtest.Browser(nil),
			Timeout: 20 * time.Second,
		}
	}
}

// openSignInApps opens the Settings and waits until oauth.json was read.
func (h *harness) openSignInApps() (google, microsoft *oauthAppForm) {
	h.t.Helper()
	h.m.onSettings()
	sv := h.m.settings
	if sv == nil || sv.apps == nil || len(sv.apps.forms) != 2 {
		h.t.Fatal("no Sign-in apps section in the Settings")
	}
	google, microsoft = sv.apps.forms[0], sv.apps.forms[1]
	h.waitFor("oauth.json to be read", 5*time.Second, func() bool { return google.loaded && microsoft.loaded })
	return google, microsoft
}

// saveApp taps Save and waits for its message.
func (h *harness) saveApp(f *oauthAppForm) string {
	h.t.Helper()
	f.msg.box.Hide()
	test.Tap(f.save)
	h.waitFor("the Save", 5*time.Second, func() bool { return !f.apps.state.busy && f.msg.box.Visible() })
	return f.msg.text.Text
}

func TestSettingsSignInAppsBadInputChangesNothing(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	path := filepath.Join(h.dir, oauth.SettingsFile)
	g, ms := h.openSignInApps()
	if ms.tenant == nil || g.tenant != nil || ms.secret != nil || g.secret == nil {
		t.Fatal("Google has a secret, Microsoft a tenant, and not the other way round")
	}

	// No file yet: a client ID with a space is refused, nothing is written.
	typeInto(g.clientID.entry, "123 abc.apps.googleusercontent.com")
	if msg := h.saveApp(g); !strings.Contains(msg, "cannot contain spaces") {
		t.Fatalf("message = %q", msg)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("oauth.json after a refused Save: %v", err)
	}
	g.clientID.entry.SetText("")
	if msg := h.saveApp(g); !strings.Contains(msg, "Enter the client ID that Google gave you") {
		t.Fatalf("empty client ID: %q", msg)
	}

	// With a file: bad input leaves it byte for byte.
	if err := oauth.SaveSettings(h.dir, oauth.Settings{
		Google:    oauth.ProviderSettings{ClientID: "g-id", ClientSecret: "g-secret"},
		Microsoft: oauth.ProviderSettings{ClientID: "m-id", TokenURL: "https://login.example.com/token"}}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g, ms = h.openSignInApps()
	if g.clientID.entry.Text != "g-id" || g.secret.entry.Text != "g-secret" || ms.clientID.entry.Text != "m-id" || g.item.Title != "Google: set up" {
		t.Fatalf("shown: google %q/%q (%q), microsoft %q", g.clientID.entry.Text, g.secret.entry.Text, g.item.Title, ms.clientID.entry.Text)
	}
	for _, c := range []struct {
		f      *oauthAppForm
		fld    *appField
		text   string
		result string
	}{
		{g, g.clientID, "g-id\tx", "cannot contain spaces"},
		{g, g.clientID, "g\x01id", "cannot contain spaces"},
		{g, g.secret, "two words", "client secret cannot contain"},
		{ms, ms.tenant, "not a tenant!", "The tenant must be"},
		{ms, ms.tenant, "contoso", "The tenant must be"},
	} {
		old := c.fld.entry.Text
		c.fld.entry.SetText(c.text)
		if msg := h.saveApp(c.f); !strings.Contains(msg, c.result) {
			t.Errorf("%q: message %q, want %q", c.text, msg, c.result)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
			t.Fatalf("%q changed oauth.json:\n%s", c.text, after)
		}
		c.fld.entry.SetText(old)
	}

	// Good input changes only that provider's fields; the endpoint stays.
	typeInto(ms.tenant.entry, "Contoso.onmicrosoft.com")
	if msg := h.saveApp(ms); !strings.HasPrefix(msg, "Saved in ") {
		t.Fatalf("message = %q", msg)
	}
	s, err := oauth.LoadSettings(h.dir)
	if err != nil || s.Microsoft.Tenant != "contoso.onmicrosoft.com" || s.Microsoft.TokenURL != "https://login.example.com/token" ||
		s.Microsoft.ClientID != "m-id" || s.Google.ClientID != "g-id" || s.Google.ClientSecret != "g-secret" {
		t.Fatalf("oauth.json = %+v, %v", s, err)
	}
	for _, tn := range []string{"common", "Organizations", "00000000-0000-0000-0000-0000000000ab", ""} {
		if _, err := oauth.ValidateTenant(tn); err != nil {
			t.Errorf("tenant %q refused", tn)
		}
	}

	// Remove asks first, then clears Google's client ID and secret.
	test.Tap(g.remove)
	if g.confirm == nil {
		t.Fatal("Remove did not ask")
	}
	g.confirm.Confirm()
	h.waitFor("the removal", 5*time.Second, func() bool { return !g.apps.state.busy && g.msg.box.Visible() })
	s, err = oauth.LoadSettings(h.dir)
	if err != nil || s.Google != (oauth.ProviderSettings{}) || s.Microsoft.ClientID != "m-id" {
		t.Fatalf("after Remove: %+v, %v", s, err)
	}
	if g.clientID.entry.Text != "" || g.item.Title != "Google: not set up" || !g.remove.Disabled() {
		t.Errorf("after Remove: client ID %q, title %q, Remove disabled %v", g.clientID.entry.Text, g.item.Title, g.remove.Disabled())
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("oauth.json mode %v, %v", fi.Mode(), err)
	}
}

func TestSettingsSignInAppsEnvironmentWins(t *testing.T) {
	inEnglish(t)
	const envID = "env-id.apps.googleusercontent.com"
	h := newHarness(t, withOAuthEnv(nil, map[string]string{"SMTPCONF_GOOGLE_CLIENT_ID": envID, "SMTPCONF_MICROSOFT_TENANT": "organizations"}))
	g, ms := h.openSignInApps()
	if !g.clientID.entry.Disabled() || g.clientID.entry.Text != envID || !g.clientID.note.Visible() ||
		!strings.Contains(g.clientID.note.Text, "SMTPCONF_GOOGLE_CLIENT_ID") || !strings.Contains(g.clientID.note.Text, "wins over this setting") {
		t.Fatalf("client ID: disabled %v, text %q, note %q (shown %v)", g.clientID.entry.Disabled(), g.clientID.entry.Text, g.clientID.note.Text, g.clientID.note.Visible())
	}
	if g.item.Title != "Google: set by an environment variable" {
		t.Errorf("title = %q", g.item.Title)
	}
	if g.secret.entry.Disabled() || g.save.Disabled() {
		t.Error("the secret, which the environment does not set, cannot be changed")
	}
	if !ms.tenant.entry.Disabled() || ms.tenant.entry.Text != "organizations" || !strings.Contains(ms.tenant.note.Text, "SMTPCONF_MICROSOFT_TENANT") {
		t.Errorf("tenant: disabled %v, %q, note %q", ms.tenant.entry.Disabled(), ms.tenant.entry.Text, ms.tenant.note.Text)
	}
	if ms.clientID.entry.Disabled() || ms.item.Title != "Microsoft: not set up" {
		t.Errorf("Microsoft client ID disabled %v, title %q", ms.clientID.entry.Disabled(), ms.item.Title)
	}

	// Saving writes the secret, not the environment's client ID.
	typeInto(g.secret.entry, "GOCSPX-x")
	if msg := h.saveApp(g); !strings.HasPrefix(msg, "Saved in ") {
		t.Fatalf("message = %q", msg)
	}
	s, err := oauth.LoadSettings(h.oauth.ConfigDir)
	if err != nil || s.Google.ClientID != "" || s.Google.ClientSecret != "GOCSPX-x" {
		t.Fatalf("oauth.json = %+v, %v", s, err)
	}
	if c, err := h.oauth.Config(oauth.Google); err != nil || c.ClientID != envID || c.ClientSecret != "GOCSPX-x" {
		t.Fatalf("resolved = %+v, %v", c, err)
	}
}

func TestSettingsSignInAppsBuiltIn(t *testing.T) {
	inEnglish(t)
	old := oauth.GoogleClientID
	oauth.GoogleClientID = "distro.apps.googleusercontent.com"
	defer func() { oauth.GoogleClientID = old }()
	h := newHarness(t)
	g, _ := h.openSignInApps()
	if g.item.Title != "Google: built in" || g.clientID.entry.Text != "" || g.clientID.entry.PlaceHolder != oauth.GoogleClientID ||
		!strings.Contains(g.clientID.note.Text, "Built into this copy") || g.clientID.entry.Disabled() {
		t.Fatalf("title %q, text %q, placeholder %q, note %q", g.item.Title, g.clientID.entry.Text, g.clientID.entry.PlaceHolder, g.clientID.note.Text)
	}
}

func TestSettingsSignInAppsInChinese(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	old, _ := h.openSignInApps()
	h.m.settings.apps.open(oauth.Google)
	typeInto(old.clientID.entry, "typed-id")
	h.chooseLanguage("简体中文")
	sv := h.m.settings
	g := sv.apps.forms[0]
	h.waitFor("oauth.json to be read", 5*time.Second, func() bool { return g.loaded })
	if g == old || g.clientID.entry.Text != "typed-id" || !g.item.Open {
		t.Errorf("after the switch: client ID %q, open %v; want what was typed, open", g.clientID.entry.Text, g.item.Open)
	}
	if got := sv.apps.box.Objects[0].(*widget.Label).Text; got != "登录应用（OAuth2）" {
		t.Errorf("heading = %q", got)
	}
	if g.item.Title != "Google：未设置" || !strings.Contains(windowRegistrationHelp(oauth.Google)[2], "登录应用") {
		t.Errorf("title %q, help %q", g.item.Title, windowRegistrationHelp(oauth.Google)[2])
	}
}

// A Save waits for oauth.json's lock (held here as `smtpconf oauth setup`
// in another process would): meanwhile Save and Remove are off in the
// whole section, also in the dialog rebuilt by a language switch; the
// other writer's change survives, and every form shows the file as it is
// afterwards (what was typed and not saved stays typed).
func TestSettingsSignInAppsSaveUnderLock(t *testing.T) {
	inEnglish(t)
	h := newHarness(t)
	g, ms := h.openSignInApps()
	dir := h.m.oauth.SettingsDir()
	if err := smtp.EnsureConfigDir(dir); err != nil {
		t.Fatal(err)
	}
	unlock, err := smtp.LockConfigFile(filepath.Join(dir, oauth.SettingsLockFile))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	defer once.Do(unlock)

	typeInto(ms.tenant.entry, "consumers") // typed in the other form, not saved
	typeInto(g.clientID.entry, "g-id.apps.example")
	test.Tap(g.save)
	h.q.drain()
	if !g.apps.state.busy || !g.save.Disabled() || !ms.save.Disabled() {
		t.Fatalf("while Google is saved: busy %v, Google's Save off %v, Microsoft's Save off %v", g.apps.state.busy, g.save.Disabled(), ms.save.Disabled())
	}

	// The dialog is rebuilt (language switch) while the write waits.
	h.chooseLanguage("简体中文")
	sv := h.m.settings
	g2, ms2 := sv.apps.forms[0], sv.apps.forms[1]
	if g2 == g {
		t.Fatal("the dialog was not rebuilt")
	}
	h.waitFor("oauth.json to be read", 5*time.Second, func() bool { return g2.loaded && ms2.loaded })
	if !sv.apps.state.busy || !g2.save.Disabled() || !ms2.save.Disabled() {
		t.Fatalf("rebuilt while saving: busy %v, Save off %v/%v", sv.apps.state.busy, g2.save.Disabled(), ms2.save.Disabled())
	}
	test.Tap(ms2.save) // refused while busy
	h.q.drain()

	// The other writer's change, under the lock; then it lets go.
	if err := smtp.WriteConfigFile(dir, oauth.SettingsFile, []byte(`{"microsoft": {"client_id": "m-id"}}`+"\n")); err != nil {
		t.Fatal(err)
	}
	once.Do(unlock)
	h.waitFor("the save", 5*time.Second, func() bool { return !sv.apps.state.busy && g2.msg.box.Visible() })
	if g2.msg.text.Importance != widget.SuccessImportance || !strings.Contains(g2.msg.text.Text, oauth.SettingsFile) {
		t.Fatalf("message after the save: %q (importance %v)", g2.msg.text.Text, g2.msg.text.Importance)
	}
	s, err := oauth.LoadSettings(dir)
	if err != nil || s.Google.ClientID != "g-id.apps.example" || s.Microsoft.ClientID != "m-id" || s.Microsoft.Tenant != "" {
		t.Fatalf("oauth.json = %+v, %v; want Google's save and the other writer's change, and no tenant", s, err)
	}
	if ms2.clientID.entry.Text != "m-id" || ms2.tenant.entry.Text != "consumers" || ms2.save.Disabled() || ms2.remove.Disabled() {
		t.Errorf("Microsoft's form after the save: client ID %q (want the file's), tenant %q (want what was typed), Save off %v, Remove off %v",
			ms2.clientID.entry.Text, ms2.tenant.entry.Text, ms2.save.Disabled(), ms2.remove.Disabled())
	}
	if g2.clientID.entry.Text != "g-id.apps.example" || g2.save.Disabled() || g2.remove.Disabled() {
		t.Errorf("Google's form after the save: %q, Save off %v, Remove off %v", g2.clientID.entry.Text, g2.save.Disabled(), g2.remove.Disabled())
	}
}
