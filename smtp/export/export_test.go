package export

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

// sample is a profile with every setting an export can carry.
func sample() smtp.Profile {
	return smtp.Profile{
		Name: "work", Host: "smtp.example.com", Port: 587,
		Security: smtp.SecuritySTARTTLS, Auth: smtp.AuthPlain,
		Username: "ann@example.com", From: "ann@example.com", FromName: "Ann Example",
		HELO: "client.example.net", Timeout: smtp.Duration(20 * time.Second),
		CAFile: "/etc/smtpconf/ca.pem",
	}
}

const secret = "s3cret-Pässword"

func render(t *testing.T, format string, p smtp.Profile, opts Options) string {
	t.Helper()
	if opts.OS == "" {
		opts.OS = "linux"
	}
	out, err := Render(format, p, opts)
	if err != nil {
		t.Fatalf("Render(%s): %v", format, err)
	}
	return out
}

func TestFormatsAreTheContract(t *testing.T) {
	want := []string{"msmtprc", "postfix", "env", "python", "nodemailer", "phpmailer", "go", "git"}
	if got := IDs(); !slices.Equal(got, want) {
		t.Fatalf("IDs() = %v, want %v", got, want)
	}
	for _, f := range Formats() {
		if f.Title == "" || f.Description == "" || f.Syntax == "" || f.render == nil {
			t.Errorf("%s: incomplete registry entry %+v", f.ID, f)
		}
		if f.LocalDescription() == "" {
			t.Errorf("%s: no description", f.ID)
		}
		if g, ok := Lookup(strings.ToUpper(f.ID)); !ok || g.ID != f.ID {
			t.Errorf("Lookup(%q) = %v, %v", strings.ToUpper(f.ID), g.ID, ok)
		}
	}
	if _, err := Render("sendmailrc", sample(), Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: %v, want ErrUnknownFormat", err)
	}
	// Formats returns a copy: the registry cannot be changed through it.
	Formats()[0].ID = "changed"
	if IDs()[0] != "msmtprc" {
		t.Error("Formats() exposes the registry")
	}
}

// TestPasswordOnlyWhenAsked: no format prints the password unless
// Options.Password carries it, and then each one does.
func TestPasswordOnlyWhenAsked(t *testing.T) {
	for _, id := range IDs() {
		for _, sec := range smtp.Securities {
			for _, auth := range []smtp.AuthMethod{smtp.AuthAuto, smtp.AuthPlain, smtp.AuthLogin, smtp.AuthCRAMMD5} {
				p := sample()
				p.Security, p.Auth = sec, auth
				for _, goos := range []string{"linux", "darwin", "windows"} {
					out := render(t, id, p, Options{OS: goos})
					if strings.Contains(out, secret) {
						t.Fatalf("%s (%s, %s, %s) prints the password without --with-password", id, sec, auth, goos)
					}
					if !strings.Contains(out, "SMTP_PASSWORD") && id != "postfix" && !(id == "msmtprc" && goos != "windows") {
						t.Errorf("%s (%s): says nothing of SMTP_PASSWORD:\n%s", id, goos, out)
					}
				}
				out := render(t, id, p, Options{Password: secret})
				if !strings.Contains(out, secret) {
					t.Errorf("%s (%s, %s) leaves out the password given with --with-password:\n%s", id, sec, auth, out)
				}
			}
		}
	}
}

// TestKeyringCommands: the exports read the entry smtpconf's keyring code
// writes (service smtpconf, user = profile name), with each OS's tool.
func TestKeyringCommands(t *testing.T) {
	p := sample()
	p.Name = "it's work"
	linux := render(t, "msmtprc", p, Options{OS: "linux"})
	if !strings.Contains(linux, `passwordeval "secret-tool lookup service smtpconf username 'it'\''s work'"`) {
		t.Errorf("linux msmtprc:\n%s", linux)
	}
	mac := render(t, "msmtprc", p, Options{OS: "darwin"})
	if !strings.Contains(mac, `security find-generic-password -s smtpconf -a 'it'\''s work' -w | sed -e 's/^go-keyring-base64://' | base64 --decode`) {
		t.Errorf("darwin msmtprc:\n%s", mac)
	}
	win := render(t, "msmtprc", p, Options{OS: "windows"})
	if strings.Contains(win, "secret-tool") || strings.Contains(win, "security ") || !strings.Contains(win, "SMTP_PASSWORD") {
		t.Errorf("windows msmtprc:\n%s", win)
	}
	for _, id := range []string{"python", "nodemailer", "phpmailer", "go", "git"} {
		out := render(t, id, p, Options{OS: "linux"})
		if !strings.Contains(out, "secret-tool") {
			t.Errorf("%s on linux does not read the keyring:\n%s", id, out)
		}
		out = render(t, id, p, Options{OS: "darwin"})
		if !strings.Contains(out, "find-generic-password") || (id != "git" && !strings.Contains(out, darwinPrefix)) {
			t.Errorf("%s on darwin does not read the keychain:\n%s", id, out)
		}
	}
}

// TestSettingsCarried: each export carries the security mode, CA file,
// HELO name and timeout in its own terms.
func TestSettingsCarried(t *testing.T) {
	p := sample()
	want := map[string][]string{
		"msmtprc": {`host "smtp.example.com"`, "port 587", "tls on", "tls_starttls on", `tls_trust_file "/etc/smtpconf/ca.pem"`,
			"auth plain", `user "ann@example.com"`, `from "ann@example.com"`, `domain "client.example.net"`, "timeout 20", "account default : work"},
		"postfix": {"relayhost = [smtp.example.com]:587", "smtp_tls_wrappermode = no", "smtp_tls_security_level = secure",
			"smtp_tls_CAfile = /etc/smtpconf/ca.pem", "smtp_helo_name = client.example.net", "smtp_connect_timeout = 20s",
			"smtp_sasl_mechanism_filter = plain", "#    [smtp.example.com]:587 ann@example.com:PASSWORD", "postmap /etc/postfix/sasl_passwd"},
		"env": {"SMTP_HOST=smtp.example.com", "SMTP_PORT=587", "SMTP_SECURITY=starttls", "SMTP_AUTH=plain", "SMTP_USERNAME=ann@example.com",
			"SMTP_FROM=ann@example.com", "SMTP_FROM_NAME='Ann Example'", "SMTP_HELO=client.example.net", "SMTP_TIMEOUT=20",
			"SMTP_CA_FILE=/etc/smtpconf/ca.pem", "SMTP_TLS_VERIFY=true"},
		"python": {`HOST = "smtp.example.com"`, "PORT = 587", "s.starttls(context=tls_context())", `HELO = "client.example.net"`,
			"TIMEOUT = 20", `CA_FILE = "/etc/smtpconf/ca.pem"`, `mechanism = "PLAIN"`, "sign_in(s)"},
		"nodemailer": {`host: "smtp.example.com"`, "port: 587", "requireTLS: true", `name: "client.example.net"`, "socketTimeout: 20000",
			`ca: [fs.readFileSync("/etc/smtpconf/ca.pem")]`, `authMethod: "PLAIN"`},
		"phpmailer": {`$mail->Host = 'smtp.example.com';`, "$mail->Port = 587;", "ENCRYPTION_STARTTLS", `$mail->Helo = 'client.example.net';`,
			"$mail->Timeout = 20;", `'cafile' => '/etc/smtpconf/ca.pem'`, `$mail->AuthType = 'PLAIN';`},
		"go": {`host     = "smtp.example.com"`, "mail.WithPort(587)", "mail.TLSMandatory", `mail.WithHELO("client.example.net")`,
			"20 * time.Second", `os.ReadFile("/etc/smtpconf/ca.pem")`, "mail.SMTPAuthPlain"},
		"git": {`smtpServer = "smtp.example.com"`, "smtpServerPort = 587", "smtpEncryption = tls", `smtpSSLCertPath = "/etc/smtpconf/ca.pem"`,
			`smtpDomain = "client.example.net"`, `smtpUser = "ann@example.com"`, "smtpAuth = PLAIN", `[credential "smtp://smtp.example.com:587"]`,
			`from = "\"Ann Example\" <ann@example.com>"`},
	}
	for id, parts := range want {
		out := render(t, id, p, Options{})
		for _, s := range parts {
			if !strings.Contains(out, s) {
				t.Errorf("%s lacks %q:\n%s", id, s, out)
			}
		}
		if strings.Contains(out, "certcheck off") || strings.Contains(out, "rejectUnauthorized") || strings.Contains(out, "InsecureSkipVerify") ||
			strings.Contains(out, "CERT_NONE") || strings.Contains(out, "verify_peer' => false") || strings.Contains(out, "security_level = encrypt") {
			t.Errorf("%s turns verification off for a profile that verifies:\n%s", id, out)
		}
	}
}

func TestSecurityModes(t *testing.T) {
	p := sample()
	p.Security, p.Port = smtp.SecurityTLS, 465
	checks := map[string][]string{
		"msmtprc":    {"tls on", "tls_starttls off"},
		"postfix":    {"smtp_tls_wrappermode = yes", "smtp_tls_security_level = secure"},
		"python":     {"smtplib.SMTP_SSL("},
		"nodemailer": {"secure: true"},
		"phpmailer":  {"ENCRYPTION_SMTPS"},
		"go":         {"mail.WithSSL()"},
		"git":        {"smtpEncryption = ssl"},
		"env":        {"SMTP_SECURITY=tls", "smtps://"},
	}
	for id, parts := range checks {
		out := render(t, id, p, Options{})
		for _, s := range parts {
			if !strings.Contains(out, s) {
				t.Errorf("implicit TLS: %s lacks %q", id, s)
			}
		}
	}
	p.Security, p.Port, p.CAFile = smtp.SecurityNone, 25, ""
	checks = map[string][]string{
		"msmtprc":    {"tls off"},
		"postfix":    {"smtp_tls_security_level = none"},
		"nodemailer": {"ignoreTLS: true"},
		"phpmailer":  {"SMTPAutoTLS = false"},
		"go":         {"mail.NoTLS"},
		"git":        {"smtpEncryption = none"},
	}
	for id, parts := range checks {
		out := render(t, id, p, Options{})
		for _, s := range parts {
			if !strings.Contains(out, s) {
				t.Errorf("no TLS: %s lacks %q", id, s)
			}
		}
	}
	// Skipping verification is exported only when the profile skips it.
	p = sample()
	p.InsecureSkipVerify = true
	checks = map[string][]string{
		"msmtprc":    {"tls_certcheck off"},
		"postfix":    {"smtp_tls_security_level = encrypt"},
		"python":     {"ssl.CERT_NONE"},
		"nodemailer": {"rejectUnauthorized: false"},
		"phpmailer":  {"'verify_peer' => false"},
		"go":         {"InsecureSkipVerify = true"},
		"git":        {`smtpSSLCertPath = ""`},
		"env":        {"SMTP_TLS_VERIFY=false"},
	}
	for id, parts := range checks {
		out := render(t, id, p, Options{})
		for _, s := range parts {
			if !strings.Contains(out, s) {
				t.Errorf("skip verify: %s lacks %q", id, s)
			}
		}
	}
}

func TestAuthMapping(t *testing.T) {
	for auth, want := range map[smtp.AuthMethod]string{
		smtp.AuthAuto: "auth on", smtp.AuthPlain: "auth plain", smtp.AuthLogin: "auth login",
		smtp.AuthCRAMMD5: "auth cram-md5", smtp.AuthNone: "auth off",
	} {
		p := sample()
		p.Auth = auth
		out := render(t, "msmtprc", p, Options{})
		if !strings.Contains(out, "\n"+want+"\n") {
			t.Errorf("%s: msmtprc lacks %q:\n%s", auth, want, out)
		}
		if auth == smtp.AuthNone && (strings.Contains(out, "user ") || strings.Contains(out, "passwordeval")) {
			t.Errorf("auth none still signs in:\n%s", out)
		}
	}
	// No user name: nothing to sign in with, as smtpconf itself does.
	p := sample()
	p.Auth, p.Username = smtp.AuthAuto, ""
	for _, id := range IDs() {
		out := render(t, id, p, Options{Password: secret})
		if strings.Contains(out, secret) {
			t.Errorf("%s: a profile that does not authenticate exports a password", id)
		}
	}
}

func TestOAuth2Profiles(t *testing.T) {
	p := sample()
	p.Auth = smtp.AuthXOAUTH2
	for _, f := range Formats() {
		out, err := Render(f.ID, p, Options{Password: "refresh-token-json", OS: "linux"})
		if !f.OAuth2 {
			if !errors.Is(err, ErrOAuth2) {
				t.Errorf("%s: %v, want ErrOAuth2", f.ID, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", f.ID, err)
		}
		if !strings.Contains(out, "OAuth2 access token") || !strings.Contains(out, "smtpconf relay") {
			t.Errorf("%s does not say that it needs an access token and what to do instead:\n%s", f.ID, out)
		}
		if strings.Contains(out, "refresh-token-json") || strings.Contains(out, "secret-tool") {
			t.Errorf("%s embeds or looks up the sign-in tokens:\n%s", f.ID, out)
		}
		if f.ID != "env" && !strings.Contains(strings.ToUpper(out), "XOAUTH2") && !strings.Contains(out, "OAuth2\"") {
			t.Errorf("%s does not use XOAUTH2:\n%s", f.ID, out)
		}
	}
}

func TestRefusals(t *testing.T) {
	p := sample()
	p.FromName = "Ann\nBcc: victim@example.org"
	for _, id := range IDs() {
		if _, err := Render(id, p, Options{}); !errors.Is(err, ErrUnsafeValue) {
			t.Errorf("%s: line break in a value: %v, want ErrUnsafeValue", id, err)
		}
	}
	p = sample()
	p.From = ""
	if _, err := Render("python", p, Options{}); !errors.Is(err, ErrNoFrom) {
		t.Errorf("no From: %v, want ErrNoFrom", err)
	}
	p = sample()
	p.Username = "domain:user"
	if _, err := Render("postfix", p, Options{}); !errors.Is(err, ErrNotExpressible) {
		t.Errorf("postfix user with a colon: %v, want ErrNotExpressible", err)
	}
	p = sample()
	p.CAFile = "/my certs/ca.pem"
	if _, err := Render("postfix", p, Options{}); !errors.Is(err, ErrNotExpressible) {
		t.Errorf("postfix CA path with a space: %v, want ErrNotExpressible", err)
	}
	p = sample()
	p.Host = "smtp.example.com relayhost=evil"
	if _, err := Render("postfix", p, Options{}); !errors.Is(err, ErrNotExpressible) {
		t.Errorf("postfix host with a space: %v, want ErrNotExpressible", err)
	}
}

func TestPostfixIPv6AndHELOLiteral(t *testing.T) {
	p := sample()
	p.Host, p.HELO = "2001:db8::25", "192.0.2.7"
	out := render(t, "postfix", p, Options{})
	if !strings.Contains(out, "relayhost = [ipv6:2001:db8::25]:587") || !strings.Contains(out, "smtp_helo_name = [192.0.2.7]") {
		t.Errorf("postfix:\n%s", out)
	}
}

func TestMsmtpAccountName(t *testing.T) {
	for in, want := range map[string]string{
		"work": "work", "my gmail": "my_gmail", "a:b,c": "a_b_c", "default": "smtpconf-default", "工作": "smtpconf-__",
	} {
		if got := msmtpAccount(in); got != want {
			t.Errorf("msmtpAccount(%q) = %q, want %q", in, got, want)
		}
	}
}
