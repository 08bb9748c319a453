package oauth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
)

// Two updates of oauth.json at once, changing different providers (the
// window's Save and `smtpconf oauth setup`): both changes survive, because
// the second reads the file only once the first has written it.
func TestUpdateSettingsConcurrentBothSurvive(t *testing.T) {
	dir := t.TempDir()
	inChange := make(chan struct{})
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- oauth.UpdateSettings(dir, func(s *oauth.Settings) error {
			close(inChange)
			<-release // read, not yet written
			s.Google.ClientID = "google-id"
			return nil
		})
	}()
	<-inChange
	second := make(chan error, 1)
	secondRan := make(chan struct{})
	go func() {
		second <- oauth.UpdateSettings(dir, func(s *oauth.Settings) error {
			close(secondRan)
			s.Microsoft.ClientID = "microsoft-id"
			s.Microsoft.Tenant = "consumers"
			return nil
		})
	}()
	notYet(t, "the second update (while the first one reads and changes)", secondRan)
	close(release)
	for _, c := range []chan error{first, second} {
		select {
		case err := <-c:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("UpdateSettings did not return")
		}
	}
	s, err := oauth.LoadSettings(dir)
	if err != nil || s.Google.ClientID != "google-id" || s.Microsoft.ClientID != "microsoft-id" || s.Microsoft.Tenant != "consumers" {
		t.Fatalf("oauth.json = %+v, %v; want both changes", s, err)
	}
}

// Another process (holding oauth.lock) writes the file meanwhile: an update
// waits for it and keeps its change.
func TestUpdateSettingsWaitsForTheLockFile(t *testing.T) {
	dir := t.TempDir()
	if err := smtp.EnsureConfigDir(dir); err != nil {
		t.Fatal(err)
	}
	unlock, err := smtp.LockConfigFile(filepath.Join(dir, oauth.SettingsLockFile))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- oauth.UpdateSettings(dir, func(s *oauth.Settings) error {
			s.Google.ClientID = "google-id"
			return nil
		})
	}()
	notYet(t, "UpdateSettings while another process holds oauth.lock", done)
	// The other process's write, under its lock.
	other := []byte(`{"microsoft": {"client_id": "microsoft-id"}}` + "\n")
	if err := smtp.WriteConfigFile(dir, oauth.SettingsFile, other); err != nil {
		t.Fatal(err)
	}
	unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("UpdateSettings did not return after the lock was released")
	}
	s, err := oauth.LoadSettings(dir)
	if err != nil || s.Google.ClientID != "google-id" || s.Microsoft.ClientID != "microsoft-id" {
		t.Fatalf("oauth.json = %+v, %v; want both", s, err)
	}
}

// A change that fails, or a result with an invalid value, writes nothing.
func TestUpdateSettingsRefusesInvalid(t *testing.T) {
	dir := t.TempDir()
	if err := oauth.SaveSettings(dir, oauth.Settings{Google: oauth.ProviderSettings{ClientID: "g-id"}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, oauth.SettingsFile)
	before, _ := os.ReadFile(path)
	for _, c := range []struct {
		change func(*oauth.Settings)
		field  string
	}{
		{func(s *oauth.Settings) { s.Google.ClientID = "two words" }, "google.client_id"},
		{func(s *oauth.Settings) { s.Google.ClientSecret = "a\x01b" }, "google.client_secret"},
		{func(s *oauth.Settings) { s.Microsoft.ClientID = strings.Repeat("x", 513) }, "microsoft.client_id"},
		{func(s *oauth.Settings) { s.Microsoft.Tenant = "../../evil" }, "microsoft.tenant"},
	} {
		err := oauth.UpdateSettings(dir, func(s *oauth.Settings) error { c.change(s); return nil })
		if !errors.Is(err, oauth.ErrSettings) || !errors.Is(err, oauth.ErrInvalidValue) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %v, want a settings error naming it", c.field, err)
		}
		if after, _ := os.ReadFile(path); string(after) != string(before) {
			t.Fatalf("%s: oauth.json changed:\n%s", c.field, after)
		}
	}
	if err := oauth.SaveSettings(dir, oauth.Settings{Microsoft: oauth.ProviderSettings{Tenant: "not a tenant"}}); !errors.Is(err, oauth.ErrSettings) {
		t.Errorf("SaveSettings with a bad tenant: %v", err)
	}
	boom := errors.New("boom")
	if err := oauth.UpdateSettings(dir, func(s *oauth.Settings) error { s.Google.ClientID = "other"; return boom }); !errors.Is(err, boom) {
		t.Errorf("a failing change: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatalf("a failing change wrote oauth.json:\n%s", after)
	}
}

func TestValidators(t *testing.T) {
	for _, ok := range []string{"", "123-abc.apps.googleusercontent.com", " 00000000-0000-0000-0000-000000000000 "} {
		if err := oauth.ValidateClientID(ok); err != nil {
			t.Errorf("client ID %q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"a b", "a\tb", "a\x01b", "a\ufffdb", strings.Repeat("x", 513)} {
		if err := oauth.ValidateClientID(bad); !errors.Is(err, oauth.ErrInvalidValue) || !strings.Contains(err.Error(), "client ID") {
			t.Errorf("client ID %q: %v", bad, err)
		}
		if err := oauth.ValidateClientSecret(bad); !errors.Is(err, oauth.ErrInvalidValue) || !strings.Contains(err.Error(), "client secret") {
			t.Errorf("client secret %q: %v", bad, err)
		}
	}
	for in, want := range map[string]string{"": "", "common": "common", "Organizations": "organizations",
		"00000000-0000-0000-0000-0000000000AB": "00000000-0000-0000-0000-0000000000ab", "Contoso.onmicrosoft.com": "contoso.onmicrosoft.com"} {
		if got, err := oauth.ValidateTenant(in); err != nil || got != want {
			t.Errorf("tenant %q = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"contoso", "not a tenant!", "../x", "a/b", "common?x=1"} {
		if _, err := oauth.ValidateTenant(bad); !errors.Is(err, oauth.ErrInvalidValue) {
			t.Errorf("tenant %q accepted: %v", bad, err)
		}
	}
}

// Client IDs and tenants from the environment or a hand-edited oauth.json
// are checked when the configuration is resolved; the error names where
// the value came from.
func TestResolveConfigValidates(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct {
		id       oauth.ProviderID
		key, val string
	}{
		{oauth.Google, "SMTPCONF_GOOGLE_CLIENT_ID", "id with spaces"},
		{oauth.Google, "SMTPCONF_GOOGLE_CLIENT_SECRET", "a\x7fb"},
		{oauth.Microsoft, "SMTPCONF_MICROSOFT_CLIENT_ID", "x\ny"},
		{oauth.Microsoft, "SMTPCONF_MICROSOFT_TENANT", "evil.example/../x"},
	} {
		clear(env)
		env["SMTPCONF_GOOGLE_CLIENT_ID"], env["SMTPCONF_MICROSOFT_CLIENT_ID"] = "good-id", "good-id"
		env[c.key] = c.val
		_, err := oauth.ResolveConfig(dir, c.id, getenv)
		if !errors.Is(err, oauth.ErrSettings) || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%s=%q: %v, want a settings error naming the variable", c.key, c.val, err)
		}
	}
	// A tenant from the environment is used as Microsoft spells it.
	clear(env)
	env["SMTPCONF_MICROSOFT_CLIENT_ID"], env["SMTPCONF_MICROSOFT_TENANT"] = "good-id", "Consumers"
	if c, err := oauth.ResolveConfig(dir, oauth.Microsoft, getenv); err != nil || c.Tenant != "consumers" || !strings.Contains(c.TokenURL, "/consumers/") {
		t.Errorf("tenant Consumers: %+v, %v", c, err)
	}

	// A hand-edited file (SaveSettings would refuse it).
	clear(env)
	data := `{"microsoft": {"client_id": "m-id", "tenant": "../../evil"}, "google": {"client_id": "g id"}}`
	if err := os.WriteFile(filepath.Join(dir, oauth.SettingsFile), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := oauth.ResolveConfig(dir, oauth.Microsoft, getenv); !errors.Is(err, oauth.ErrSettings) || !strings.Contains(err.Error(), "oauth.json (microsoft.tenant)") {
		t.Errorf("hand-edited tenant: %v", err)
	}
	if _, err := oauth.ResolveConfig(dir, oauth.Google, getenv); !errors.Is(err, oauth.ErrSettings) || !strings.Contains(err.Error(), "oauth.json (google.client_id)") {
		t.Errorf("hand-edited client ID: %v", err)
	}
	// The environment wins over the file, and only what is used is checked.
	env["SMTPCONF_GOOGLE_CLIENT_ID"] = "env-id"
	if c, err := oauth.ResolveConfig(dir, oauth.Google, getenv); err != nil || c.ClientID != "env-id" {
		t.Errorf("environment over a bad file value: %+v, %v", c, err)
	}
}

// An endpoint with a user name or password is refused, and the password
// does not appear in the error.
func TestEndpointSecretNotInError(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SMTPCONF_GOOGLE_CLIENT_ID": "id"}
	getenv := func(k string) string { return env[k] }
	for _, u := range []string{
		"https://user:s3cret@auth.example.com/token",
		"http://user:s3cret@auth.example.com/token",
		"https://s3cret@auth.example.com/token",
		"https://user:s3cret@auth example.com/token",
		"http://user:s3cret@127.0.0.1:1/%zz",
	} {
		env["SMTPCONF_OAUTH_GOOGLE_TOKEN_URL"] = u
		_, err := oauth.ResolveConfig(dir, oauth.Google, getenv)
		var oe *oauth.Error
		if !errors.Is(err, oauth.ErrSettings) || !errors.As(err, &oe) {
			t.Errorf("%s: %v, want a settings error", u, err)
			continue
		}
		if msg := err.Error() + oe.Hint(); strings.Contains(msg, "s3cret") || !strings.Contains(msg, "SMTPCONF_OAUTH_GOOGLE_TOKEN_URL") {
			t.Errorf("%s: the error shows the secret or not the variable: %s", u, msg)
		}
	}
	env["SMTPCONF_OAUTH_GOOGLE_TOKEN_URL"] = "https://user:s3cret@auth.example.com/token"
	if _, err := oauth.ResolveConfig(dir, oauth.Google, getenv); err == nil || !strings.Contains(err.Error(), "user name or password") {
		t.Errorf("user info: %v, want it named as the problem", err)
	}
	delete(env, "SMTPCONF_OAUTH_GOOGLE_TOKEN_URL")
	if err := oauth.SaveSettings(dir, oauth.Settings{Google: oauth.ProviderSettings{AuthURL: "https://me:s3cret@accounts.example.com/auth"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := oauth.ResolveConfig(dir, oauth.Google, getenv); !errors.Is(err, oauth.ErrSettings) || strings.Contains(err.Error(), "s3cret") ||
		!strings.Contains(err.Error(), "google.auth_url") {
		t.Errorf("user info in oauth.json: %v", err)
	}
}

// A new sign-in without a refresh token, as another account than the one
// stored, does not keep the stored account's refresh token: that would
// pair one account's access token with another's refresh token.
func TestSignInWithoutRefreshTokenOtherAccount(t *testing.T) {
	store := smtp.NewSessionSecrets()
	f := newFixture(t, store, "work", oauthtest.Config{})
	f.signIn(t)
	before, _ := store.Get(smtp.OAuthKey("work"))
	f.auth.Set(func(c *oauthtest.Config) {
		c.NoRefreshToken = true
		c.Email = "bob@example.test"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := f.m.SignIn(ctx, f.p, nil)
	if !errors.Is(err, oauth.ErrNoRefreshToken) {
		t.Fatalf("sign-in as another account without a refresh token = %v, want ErrNoRefreshToken", err)
	}
	if now, _ := store.Get(smtp.OAuthKey("work")); now != before {
		t.Error("the stored sign-in was replaced")
	}
	if st, _ := f.m.Status("work"); st.Account != testAccount {
		t.Errorf("account after the refused sign-in = %q, want %q", st.Account, testAccount)
	}
	// The same account (in another case) keeps it.
	f.auth.Set(func(c *oauthtest.Config) { c.Email = strings.ToUpper(testAccount) })
	if _, err := f.m.SignIn(ctx, f.p, nil); err != nil {
		t.Fatalf("same account without a refresh token: %v", err)
	}
}
