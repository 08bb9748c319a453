package cli_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// The oauth commands against a local OAuth2 server (smtp/oauth/oauthtest),
// with the endpoints set through the environment as a person or a check
// would: SMTPCONF_OAUTH_BASE_URL and SMTPCONF_*_CLIENT_ID.

const oauthAccount = "ann@example.test"

type oauthStatus struct {
	SignedIn *bool   `json:"signed_in"`
	Account  *string `json:"account"`
	Expires  *string `json:"expires"`
	Provider string  `json:"provider"`
	Error    string  `json:"error"`
	Hint     string  `json:"hint"`
}

var tokenLike = regexp.MustCompile(`\b(at|rt|dc|code)-[0-9a-f]{16,}`)

func noToken(t *testing.T, where, s string) {
	t.Helper()
	if m := tokenLike.FindString(s); m != "" {
		t.Fatalf("%s shows a token: %q", where, m)
	}
}

func oauthStatusOf(t *testing.T, dir string, env []string, name string) (oauthStatus, result) {
	t.Helper()
	r := run(t, dir, "", env, "oauth", "status", name, "--json")
	var st oauthStatus
	decode(t, r, &st)
	noToken(t, "oauth status", r.stdout+r.stderr)
	return st, r
}

func secretToolHas(t *testing.T, user string) bool {
	t.Helper()
	out, err := exec.Command("secret-tool", "lookup", "service", "smtpconf", "username", user).Output()
	var ee *exec.ExitError
	if err != nil && !(errorsAs(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("secret-tool: %v", err)
	}
	return len(out) > 0
}

func errorsAs(err error, ee **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*ee = e
	}
	return ok
}

// loginWithBrowser runs `oauth login`, plays the browser's part with the
// address it prints, and returns the result.
func loginWithBrowser(t *testing.T, dir string, env []string, name string) result {
	t.Helper()
	cmd := exec.Command(binary, "--config-dir", dir, "oauth", "login", name)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "SMTPCONF_BROWSER=none")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	browsed := false
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if u := strings.TrimSpace(line); !browsed && strings.HasPrefix(u, "http://127.0.0.1") {
			browsed = true
			go func() {
				if err := oauthtest.Browser(nil)(u); err != nil {
					t.Logf("browser: %v", err)
				}
			}()
		}
	}
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if !browsed {
		t.Fatalf("oauth login printed no address to open:\n%s\n%s", out.String(), errb.String())
	}
	return result{out.String(), errb.String(), code}
}

func TestOAuthCommandsWithoutKeyring(t *testing.T) {
	dir := t.TempDir()
	srv := oauthtest.Start(t, oauthtest.Config{ClientID: "cli-client"})
	r := run(t, dir, "", nil, "profile", "save", "mail", "--preset", "outlook", "--username", oauthAccount)
	if r.code != 0 {
		t.Fatalf("profile save: exit %d: %s", r.code, r.stderr)
	}

	// Unknown profile, missing name: bad usage.
	if r := run(t, dir, "", nil, "oauth", "status", "nobody", "--json"); r.code != 2 {
		t.Errorf("status of an unknown profile: exit %d", r.code)
	} else {
		var st oauthStatus
		decode(t, r, &st)
	}
	if r := run(t, dir, "", nil, "oauth", "login"); r.code != 2 {
		t.Errorf("login without a name: exit %d", r.code)
	}

	// No client ID: exit 2, with the three-line registration help.
	noID := []string{"SMTPCONF_MICROSOFT_CLIENT_ID=", "SMTPCONF_BROWSER=none"}
	r = run(t, dir, "", noID, "oauth", "login", "mail")
	if r.code != 2 || !strings.Contains(r.stderr, "portal.azure.com") || !strings.Contains(r.stderr, "Allow public client flows") ||
		!strings.Contains(r.stderr, "SMTP.Send") {
		t.Errorf("login without a client ID: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, dir, "", noID, "oauth", "setup", "microsoft")
	if r.code != 0 || strings.Count(r.stdout, "\n  ") != 3 {
		t.Errorf("setup without a client ID does not show the three lines: exit %d\n%s", r.code, r.stdout)
	}
	r = run(t, dir, "", nil, "oauth", "setup", "microsoft", "--client-id", "from-setup", "--tenant", "consumers")
	if r.code != 0 || !strings.Contains(r.stdout, "from-setup") || !strings.Contains(r.stdout, "/consumers/oauth2/v2.0/token") {
		t.Errorf("setup: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(dir + "/oauth.json"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("oauth.json: %v %v", fi, err)
	}

	// The provider cannot be reached: exit 3 (the device flow stores
	// nothing before it has a token, so no keyring is needed).
	down := []string{"SMTPCONF_OAUTH_BASE_URL=http://127.0.0.1:" + fmt.Sprint(freePort(t)), "SMTPCONF_MICROSOFT_CLIENT_ID=x"}
	if r := run(t, dir, "", down, "oauth", "login", "mail", "--device"); r.code != 3 {
		t.Errorf("login with the provider down: exit %d\n%s", r.code, r.stderr)
	}

	// Consent denied: exit 5.
	srv.Set(func(c *oauthtest.Config) { c.DeviceDeny = true })
	if r := run(t, dir, "", srv.Env(), "oauth", "login", "mail", "--device", "--json"); r.code != 5 {
		t.Errorf("denied sign-in: exit %d\n%s", r.code, r.stderr)
	} else {
		var st oauthStatus
		decode(t, r, &st)
		if st.Hint == "" || st.SignedIn == nil || *st.SignedIn {
			t.Errorf("denied sign-in JSON: %+v", st)
		}
	}

	// No keyring: status says so, exit 2, still one JSON object.
	noBus := []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/smtpconf-test-bus"}
	st, r := oauthStatusOf(t, dir, noBus, "mail")
	if r.code != 2 || !strings.Contains(strings.ToLower(st.Hint), "keyring") {
		t.Errorf("status without a keyring: exit %d %+v", r.code, st)
	}
}

func TestOAuthLoginSendLogout(t *testing.T) {
	haveKeyring(t)
	dir := t.TempDir()
	auth := oauthtest.Start(t, oauthtest.Config{ClientID: "cli-client", Email: oauthAccount, DevicePending: 1})
	mail := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, RequireAuth: true,
		XOAUTH2: func(user, token string) bool { return user == oauthAccount && auth.Valid(token) }})
	name := fmt.Sprintf("oauth-cli-%d", time.Now().UnixNano())
	env := auth.Env()
	r := run(t, dir, "", env, "profile", "save", name, "--preset", "outlook", "--host", "127.0.0.1",
		"--port", fmt.Sprint(mail.Port), "--security", "starttls", "--username", oauthAccount,
		"--from", oauthAccount, "--ca-file", mail.CAFile)
	if r.code != 0 {
		t.Fatalf("profile save: exit %d: %s", r.code, r.stderr)
	}
	t.Cleanup(func() { run(t, dir, "", nil, "profile", "delete", name) })

	st, r := oauthStatusOf(t, dir, env, name)
	if r.code != 0 || st.SignedIn == nil || *st.SignedIn || st.Account == nil || *st.Account != "" || st.Expires == nil || *st.Expires != "" {
		t.Fatalf("status before sign-in: exit %d %+v %s", r.code, st, r.stdout)
	}
	r = run(t, dir, "", env, "test", name, "--json", "--no-queue")
	if r.code != 2 || !strings.Contains(r.stdout, "oauth login") {
		t.Errorf("test before sign-in: exit %d\n%s", r.code, r.stdout)
	}

	// Sign in with the browser.
	r = loginWithBrowser(t, dir, env, name)
	if r.code != 0 || !strings.Contains(r.stdout, "Signed in as "+oauthAccount) {
		t.Fatalf("login: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	noToken(t, "login output", r.stdout+r.stderr)
	if !secretToolHas(t, name+"#oauth") {
		t.Fatal("secret-tool finds no tokens under NAME#oauth")
	}
	if secretToolHas(t, name) {
		t.Error("a password entry appeared for an xoauth2 profile")
	}
	st, r = oauthStatusOf(t, dir, env, name)
	if r.code != 0 || !*st.SignedIn || *st.Account != oauthAccount {
		t.Fatalf("status after sign-in: %+v", st)
	}
	if exp, err := time.Parse(time.RFC3339, *st.Expires); err != nil || time.Until(exp) < 50*time.Minute {
		t.Errorf("expires %q: %v", *st.Expires, err)
	}
	r = run(t, dir, "", env, "oauth", "status", name)
	if r.code != 0 || !strings.Contains(r.stdout, oauthAccount) {
		t.Errorf("status for people: %s", r.stdout)
	}

	// Send with XOAUTH2; the token shows nowhere.
	r = run(t, dir, "", env, "test", name, "--json", "--no-queue")
	var rep testReport
	decode(t, r, &rep)
	if r.code != 0 || !rep.OK || !strings.Contains(r.stdout, `"auth_mechanism": "XOAUTH2"`) {
		t.Fatalf("test: exit %d\n%s", r.code, r.stdout)
	}
	noToken(t, "test output", r.stdout+r.stderr)
	r = run(t, dir, "", env, "profile", "show", name, "--json")
	noToken(t, "profile show", r.stdout)
	var shown struct {
		SignedIn       *bool  `json:"signed_in"`
		Account        string `json:"account"`
		PasswordStored *bool  `json:"password_stored"`
	}
	decode(t, r, &shown)
	if shown.SignedIn == nil || !*shown.SignedIn || shown.Account != oauthAccount || shown.PasswordStored != nil {
		t.Errorf("profile show of a signed-in OAuth2 profile: %s", r.stdout)
	}
	if r = run(t, dir, "", env, "profile", "show", name); !strings.Contains(r.stdout, "signed in as "+oauthAccount) {
		t.Errorf("profile show does not say who is signed in:\n%s", r.stdout)
	}
	data, _ := os.ReadFile(dir + "/profiles.json")
	noToken(t, "profiles.json", string(data))

	// The token stops working: one refresh, one retry, delivered.
	auth.ExpireAccess()
	r = run(t, dir, "", env, "test", name, "--json", "--no-queue")
	if r.code != 0 || auth.Count("refresh_token") != 1 {
		t.Fatalf("test after the token was refused: exit %d, %d refreshes\n%s", r.code, auth.Count("refresh_token"), r.stdout)
	}
	// The refresh token is revoked: authentication failure, sign in again.
	auth.Set(func(c *oauthtest.Config) { c.InvalidGrant = true })
	auth.ExpireAccess()
	r = run(t, dir, "", env, "test", name, "--json", "--no-queue")
	decode(t, r, &rep)
	if r.code != 5 || rep.OK || !strings.Contains(rep.Hint, "Sign in again") {
		t.Fatalf("test after revocation: exit %d %+v", r.code, rep)
	}
	auth.Set(func(c *oauthtest.Config) { c.InvalidGrant = false })

	// Sign out.
	r = run(t, dir, "", env, "oauth", "logout", name)
	if r.code != 0 {
		t.Fatalf("logout: exit %d %s", r.code, r.stderr)
	}
	if secretToolHas(t, name+"#oauth") {
		t.Fatal("tokens still in the keyring after logout")
	}
	if st, _ := oauthStatusOf(t, dir, env, name); *st.SignedIn || *st.Expires != "" || st.Provider != "microsoft" {
		t.Fatalf("after logout: signed in %v, expires %q, provider %q (want microsoft, the outlook preset's)", *st.SignedIn, *st.Expires, st.Provider)
	}
	if r = run(t, dir, "", env, "profile", "show", name); !strings.Contains(r.stdout, "not signed in (run: smtpconf oauth login "+name+")") {
		t.Errorf("profile show after logout:\n%s", r.stdout)
	}

	// Sign in with a device code (authorization_pending once), then delete
	// the profile: its tokens go with it.
	r = run(t, dir, "", env, "oauth", "login", name, "--device")
	if r.code != 0 || !strings.Contains(r.stdout, "WDJB-MJHT") || !strings.Contains(r.stdout, auth.URL) {
		t.Fatalf("device login: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !secretToolHas(t, name+"#oauth") {
		t.Fatal("no tokens after the device sign-in")
	}
	r = run(t, dir, "", env, "profile", "delete", name)
	if r.code != 0 || secretToolHas(t, name+"#oauth") {
		t.Fatalf("profile delete left the tokens behind (exit %d)", r.code)
	}
}

// Ctrl+C during `oauth login --device` ends the wait with exit 130, as a
// `queue run` stopped by a signal, not 1 (which means a bug).
func TestOAuthLoginInterruptedExits130(t *testing.T) {
	dir := t.TempDir()
	auth := oauthtest.Start(t, oauthtest.Config{ClientID: "cli-client", DevicePending: 1000})
	if r := run(t, dir, "", nil, "profile", "save", "mail", "--preset", "outlook", "--username", oauthAccount); r.code != 0 {
		t.Fatalf("profile save: exit %d: %s", r.code, r.stderr)
	}
	cmd := exec.Command(binary, "--config-dir", dir, "oauth", "login", "mail", "--device")
	cmd.Env = append(append(os.Environ(), auth.Env()...), "SMTPCONF_BROWSER=none")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	sc := bufio.NewScanner(stdout)
	var out strings.Builder
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "Ctrl+C") {
			break
		}
	}
	// Let it poll once, then interrupt.
	for deadline := time.Now().Add(10 * time.Second); len(auth.DevicePolls()) == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != 130 || !strings.Contains(errb.String(), "cancelled") {
		t.Fatalf("interrupted login: exit %d, want 130\n%s\n%s", code, out.String(), errb.String())
	}
}

// blockedOnLock reports whether process pid waits for a flock(2) lock
// (a "->" line of /proc/locks).
func blockedOnLock(pid int) bool {
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) > 5 && f[1] == "->" && f[2] == "FLOCK" && f[5] == fmt.Sprint(pid) {
			return true
		}
	}
	return false
}

// `oauth setup` changes oauth.json under its lock (oauth.UpdateSettings),
// so a Save in the window at the same moment is not lost: while another
// process holds oauth.lock, setup waits, then reads the file again and
// keeps what that process wrote.
func TestOAuthSetupWaitsForTheSettingsLock(t *testing.T) {
	if _, err := os.Stat("/proc/locks"); err != nil {
		t.Skip("no /proc/locks to see the wait")
	}
	dir := t.TempDir()
	if err := smtp.EnsureConfigDir(dir); err != nil {
		t.Fatal(err)
	}
	unlock, err := smtp.LockConfigFile(filepath.Join(dir, oauth.SettingsLockFile))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	defer once.Do(unlock)
	cmd := exec.Command(binary, "--config-dir", dir, "oauth", "setup", "google", "--client-id", "g-id.apps.example")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for !blockedOnLock(cmd.Process.Pid) {
		select {
		case err := <-done:
			t.Fatalf("oauth setup did not wait for oauth.lock: %v\n%s%s", err, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("oauth setup is not waiting for oauth.lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The window's Save, under the lock.
	if err := smtp.WriteConfigFile(dir, oauth.SettingsFile, []byte(`{"microsoft": {"client_id": "m-id"}}`+"\n")); err != nil {
		t.Fatal(err)
	}
	once.Do(unlock)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("oauth setup: %v\n%s%s", err, out.String(), errb.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("oauth setup did not finish")
	}
	s, err := oauth.LoadSettings(dir)
	if err != nil || s.Google.ClientID != "g-id.apps.example" || s.Microsoft.ClientID != "m-id" {
		t.Fatalf("oauth.json = %+v, %v; want both", s, err)
	}
}

// `oauth setup` checks what it is given as the window does: bad input is
// bad usage and changes nothing.
func TestOAuthSetupRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, dir, "", nil, "oauth", "setup", "microsoft", "--client-id", "m-id"); r.code != 0 {
		t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
	}
	path := filepath.Join(dir, oauth.SettingsFile)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"google", "--client-id", "two words"}, "client ID cannot contain"},
		{"", []string{"microsoft", "--tenant", "../evil"}, "The tenant must be"},
		{"GOCSPX a b\n", []string{"google", "--client-secret-stdin"}, "client secret cannot contain"},
	} {
		r := run(t, dir, c.stdin, nil, append([]string{"oauth", "setup"}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("setup %v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
			t.Fatalf("setup %v changed oauth.json:\n%s", c.args, after)
		}
	}
	// A tenant is saved as Microsoft spells it.
	if r := run(t, dir, "", nil, "oauth", "setup", "microsoft", "--tenant", "Consumers"); r.code != 0 {
		t.Fatalf("setup --tenant Consumers: exit %d\n%s", r.code, r.stderr)
	}
	if s, err := oauth.LoadSettings(dir); err != nil || s.Microsoft.Tenant != "consumers" || s.Microsoft.ClientID != "m-id" {
		t.Errorf("oauth.json = %+v, %v", s, err)
	}
}
