package export

// Each export is used by the real program it is for, against an in-process
// SMTP server (smtp/smtptest) on 127.0.0.1 with its own CA, in STARTTLS and
// implicit-TLS mode, requiring AUTH: msmtp (password through the keyring),
// python3, node with Nodemailer from npm, php with Debian's PHPMailer, go run
// with go-mail, git send-email, and Postfix's postconf and postmap.
//
// A missing program skips its test with what to install, except in CI
// (CI=true), where the Makefile's TEST_PKGS installs them all and a missing
// one fails.

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

const (
	toolUser = "ann@example.com"
	// toolPass has the characters that break careless password handling.
	toolPass = `Tr1cky pa'ss"wörd $x \ ` + "`id`"
)

// toolServer starts a test server in the given mode that requires AUTH
// (and, with STARTTLS, TLS before MAIL).
func toolServer(t *testing.T, mode smtptest.Mode) *smtptest.Server {
	t.Helper()
	return smtptest.Start(t, smtptest.Config{
		Mode:              mode,
		Users:             map[string]string{toolUser: toolPass},
		RequireAuth:       true,
		RequireTLSForMail: mode == smtptest.STARTTLS,
	})
}

// toolProfile is a profile for server s with every setting an export can
// carry. The name is unique (the keyring is shared by the packages tested
// in parallel) and has a quote and a space in it.
func toolProfile(tool string, s toolSrv, auth smtp.AuthMethod) smtp.Profile {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return smtp.Profile{
		Name: "it's export " + tool + " " + hex.EncodeToString(b),
		Host: s.Host, Port: s.Port, Security: s.sec, Auth: auth,
		Username: toolUser, From: toolUser, FromName: `Ann "Export" Example`,
		HELO: "client.example.test", Timeout: smtp.Duration(20 * time.Second),
		CAFile: s.CAFile,
	}
}

// toolSrv is a test server and the security mode a profile uses with it.
type toolSrv struct {
	*smtptest.Server
	mode string
	sec  smtp.Security
}

// servers are the two modes every program is tried in.
func servers(t *testing.T) []toolSrv {
	return []toolSrv{
		{toolServer(t, smtptest.STARTTLS), "starttls", smtp.SecuritySTARTTLS},
		{toolServer(t, smtptest.ImplicitTLS), "tls", smtp.SecurityTLS},
	}
}

// delivered checks that s received exactly one message from the export's
// program, authenticated, over TLS, to and from the profile's address.
func delivered(t *testing.T, s toolSrv, subject string) {
	t.Helper()
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the server received %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Auth != toolUser || !m.TLS || m.From != toolUser || !slices.Equal(m.To, []string{toolUser}) {
		t.Errorf("message: auth %q, TLS %v, from %q, to %v", m.Auth, m.TLS, m.From, m.To)
	}
	if !strings.Contains(string(m.Data), subject) {
		t.Errorf("the message lacks %q:\n%s", subject, m.Data)
	}
}

// keyringPassword stores the password of profile name in the real
// keyring (.ci/with-keyring.sh) and checks with secret-tool, an independent
// Secret Service client, that the entry has the attributes the exports look
// up. Without a test keyring it skips (fails in CI).
func keyringPassword(t *testing.T, name string) {
	t.Helper()
	if !keyringAvailable() {
		if inCI() {
			t.Fatal("CI runs the tests under .ci/with-keyring.sh; SMTPCONF_KEYRING_TEST is not 1")
		}
		t.Skip("needs a private keyring: run under .ci/with-keyring.sh (sets SMTPCONF_KEYRING_TEST=1)")
	}
	st := needTool(t, "secret-tool", "libsecret-tools")
	k := smtp.Keyring{}
	if err := k.Set(name, toolPass); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Delete(name) })
	// secret-tool prints the attributes on standard error.
	out, errOut, err := tryTool(t, "", nil, "", st, "search", "service", smtp.KeyringService, "username", name)
	if err != nil {
		t.Fatalf("secret-tool search: %v: %s", err, errOut)
	}
	out += errOut
	for _, want := range []string{"attribute.service = " + smtp.KeyringService + "\n", "attribute.username = " + name + "\n"} {
		if !strings.Contains(out, want) {
			t.Fatalf("secret-tool search does not show %q for the entry smtpconf stored", strings.TrimSpace(want))
		}
	}
}

// write puts content into a new file in dir.
func write(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMsmtpDelivers(t *testing.T) {
	msmtp := needTool(t, "msmtp", "msmtp")
	for _, s := range servers(t) {
		mode := s.mode
		t.Run(mode+"/keyring", func(t *testing.T) {
			auth := smtp.AuthPlain
			if mode == "tls" {
				auth = smtp.AuthAuto
			}
			p := toolProfile("msmtp", s, auth)
			keyringPassword(t, p.Name)
			dir := t.TempDir()
			rc := write(t, dir, "msmtprc", render(t, "msmtprc", p, Options{}), 0o600)
			msg := "From: Ann <ann@example.com>\r\nTo: ann@example.com\r\nSubject: msmtp export test\r\n\r\nHello from msmtp.\r\n"
			cmd := exec.Command(msmtp, "-C", rc, "-a", msmtpAccount(p.Name), toolUser)
			cmd.Env = withoutEnv("SMTP_PASSWORD")
			cmd.Stdin = strings.NewReader(msg)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("msmtp: %v\n%s", err, out)
			}
			delivered(t, s, "msmtp export test")
		})
	}
	t.Run("with-password", func(t *testing.T) {
		s := servers(t)[0]
		p := toolProfile("msmtp", s, smtp.AuthCRAMMD5)
		dir := t.TempDir()
		rc := write(t, dir, "msmtprc", render(t, "msmtprc", p, Options{Password: toolPass}), 0o600)
		// The account is the default one: no -a needed.
		runTool(t, dir, nil, "Subject: msmtp export test\r\n\r\nHello.\r\n", msmtp, "-C", rc, toolUser)
		delivered(t, s, "msmtp export test")
	})
}

func TestPythonSnippetSends(t *testing.T) {
	py := needTool(t, "python3", "python3")
	for _, s := range servers(t) {
		mode := s.mode
		t.Run(mode, func(t *testing.T) {
			auth := smtp.AuthLogin
			if mode == "tls" {
				auth = smtp.AuthAuto
			}
			p := toolProfile("python", s, auth)
			env := []string{"SMTP_PASSWORD=" + toolPass}
			if mode == "starttls" && keyringAvailable() {
				// The snippet falls back to the keyring without SMTP_PASSWORD.
				keyringPassword(t, p.Name)
				env = []string{"SMTP_PASSWORD="}
			}
			dir := t.TempDir()
			f := write(t, dir, "send_test.py", render(t, "python", p, Options{}), 0o600)
			runTool(t, dir, env, "", py, f)
			delivered(t, s, "smtpconf export test (Python)")
		})
	}
}

// nodemailerOnce installs Nodemailer once per test binary.
var nodemailerOnce struct {
	sync.Once
	path string
	err  string
}

// nodeModules installs Nodemailer from npm into testdata/node (ignored by
// git; kept between runs) and returns its node_modules directory.
func nodeModules(t *testing.T) string {
	t.Helper()
	npm := needTool(t, "npm", "nodejs")
	nodemailerOnce.Do(func() {
		dir, err := filepath.Abs(filepath.Join("testdata", "node"))
		if err != nil {
			nodemailerOnce.err = err.Error()
			return
		}
		mods := filepath.Join(dir, "node_modules")
		if _, err := os.Stat(filepath.Join(mods, "nodemailer", "package.json")); err == nil {
			nodemailerOnce.path = mods
			return
		}
		// Install beside it, then move into place, so an interrupted install
		// never looks complete.
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "node-install-")
		if err != nil {
			nodemailerOnce.err = err.Error()
			return
		}
		defer os.RemoveAll(tmp)
		out, errOut, err := tryTool(t, tmp, nil, "", npm, "install", "--prefix", tmp, "--no-audit", "--no-fund", "--loglevel=error", "nodemailer")
		if err != nil {
			nodemailerOnce.err = "npm install nodemailer: " + err.Error() + "\n" + out + errOut
			return
		}
		_ = os.RemoveAll(dir)
		if err := os.Rename(tmp, dir); err != nil {
			nodemailerOnce.err = err.Error()
			return
		}
		nodemailerOnce.path = mods
	})
	if nodemailerOnce.err != "" {
		t.Fatal(nodemailerOnce.err)
	}
	return nodemailerOnce.path
}

func TestNodemailerSnippetSends(t *testing.T) {
	node := needTool(t, "node", "nodejs")
	mods := nodeModules(t)
	for _, s := range servers(t) {
		mode := s.mode
		t.Run(mode, func(t *testing.T) {
			auth := smtp.AuthCRAMMD5
			if mode == "tls" {
				auth = smtp.AuthAuto
			}
			p := toolProfile("node", s, auth)
			dir := t.TempDir()
			f := write(t, dir, "send_test.js", render(t, "nodemailer", p, Options{}), 0o600)
			runTool(t, dir, []string{"NODE_PATH=" + mods, "SMTP_PASSWORD=" + toolPass}, "", node, f)
			delivered(t, s, "smtpconf export test (Node.js)")
		})
	}
}

func TestPHPMailerSnippetSends(t *testing.T) {
	php := needTool(t, "php", "php-cli")
	if _, err := os.Stat(phpmailerDebian); err != nil {
		if inCI() {
			t.Fatalf("%s is missing (apt install libphp-phpmailer)", phpmailerDebian)
		}
		t.Skipf("%s is missing (apt install libphp-phpmailer)", phpmailerDebian)
	}
	for _, s := range servers(t) {
		mode := s.mode
		t.Run(mode, func(t *testing.T) {
			auth := smtp.AuthPlain
			if mode == "tls" {
				auth = smtp.AuthLogin
			}
			p := toolProfile("php", s, auth)
			dir := t.TempDir()
			f := write(t, dir, "send_test.php", render(t, "phpmailer", p, Options{}), 0o600)
			runTool(t, dir, []string{"SMTP_PASSWORD=" + toolPass}, "", php, f)
			delivered(t, s, "smtpconf export test (PHP)")
		})
	}
}

// goModule makes dir a module for an exported Go program: it requires
// go-mail at the version smtpconf builds with and takes smtpconf's go.sum,
// so everything comes from the module cache.
func goModule(t *testing.T, gobin, dir string) {
	t.Helper()
	versions := runTool(t, "", nil, "", gobin, "list", "-m", "-f", "{{.Path}} {{.Version}}",
		"github.com/wneessen/go-mail", "golang.org/x/crypto", "golang.org/x/text")
	sum, err := os.ReadFile(filepath.Join("..", "..", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "go.mod", "module sendtest\n\ngo 1.26\n\nrequire (\n\t"+strings.ReplaceAll(strings.TrimSpace(versions), "\n", "\n\t")+"\n)\n", 0o600)
	write(t, dir, "go.sum", string(sum), 0o600)
}

// goEnv is the environment go vet and go run get in such a module.
var goEnv = []string{"GOFLAGS=-mod=mod", "GOWORK=off"}

func TestGoSnippetSends(t *testing.T) {
	gobin := needTool(t, "go", "golang")
	for _, s := range servers(t) {
		mode := s.mode
		t.Run(mode, func(t *testing.T) {
			auth := smtp.AuthPlain
			if mode == "tls" {
				auth = smtp.AuthAuto
			}
			p := toolProfile("go", s, auth)
			dir := t.TempDir()
			src := render(t, "go", p, Options{})
			if f, err := format.Source([]byte(src)); err != nil || string(f) != src {
				t.Errorf("the exported program is not gofmt-formatted (%v)", err)
			}
			write(t, dir, "main.go", src, 0o600)
			goModule(t, gobin, dir)
			env := append([]string{"SMTP_PASSWORD=" + toolPass}, goEnv...)
			runTool(t, dir, env, "", gobin, "vet", ".")
			runTool(t, dir, env, "", gobin, "run", ".")
			delivered(t, s, "smtpconf export test (Go)")
		})
	}
}

func TestGitSendEmail(t *testing.T) {
	git := needTool(t, "git", "git")
	for _, s := range servers(t) {
		mode := s.mode
		t.Run(mode, func(t *testing.T) {
			p := toolProfile("git", s, smtp.AuthPlain)
			opts := Options{}
			env := []string{"SMTP_PASSWORD=" + toolPass}
			switch {
			case mode == "tls":
				opts.Password = toolPass // smtpPass in the config
				env = []string{"SMTP_PASSWORD="}
			case keyringAvailable():
				// The credential helper reads the keyring.
				keyringPassword(t, p.Name)
				env = []string{"SMTP_PASSWORD="}
			}
			dir := t.TempDir()
			conf := write(t, dir, "smtpconf.inc", render(t, "git", p, opts), 0o600)
			list := runTool(t, dir, nil, "", git, "config", "-f", conf, "--list")
			for _, want := range []string{"sendemail.smtpserver=127.0.0.1", "sendemail.smtpuser=" + toolUser, "sendemail.smtpdomain=client.example.test"} {
				if !strings.Contains(list, want+"\n") {
					t.Errorf("git config --list lacks %q:\n%s", want, list)
				}
			}
			if out, err := exec.Command(git, "send-email", "--dump-aliases").CombinedOutput(); err != nil {
				err = fmt.Errorf("%w: %s", err, out)
				if inCI() {
					t.Fatalf("git send-email is missing (apt install git-email libauthen-sasl-perl libio-socket-ssl-perl): %v", err)
				}
				t.Skipf("git send-email is missing (apt install git-email): %v", err)
			}
			repo := filepath.Join(dir, "repo")
			genv := append([]string{
				"GIT_CONFIG_GLOBAL=" + conf, "GIT_CONFIG_NOSYSTEM=1",
				"GIT_AUTHOR_NAME=Ann", "GIT_AUTHOR_EMAIL=" + toolUser, "GIT_COMMITTER_NAME=Ann", "GIT_COMMITTER_EMAIL=" + toolUser,
			}, env...)
			runTool(t, dir, genv, "", git, "init", "-q", repo)
			write(t, repo, "README", "hello\n", 0o600)
			runTool(t, repo, genv, "", git, "add", "README")
			runTool(t, repo, genv, "", git, "commit", "-q", "-m", "git send-email export test")
			runTool(t, repo, genv, "", git, "send-email", "--confirm=never", "--suppress-cc=all", "--to="+toolUser, "-1")
			delivered(t, s, "git send-email export test")
		})
	}
}

func TestPostfixLinesPassPostconf(t *testing.T) {
	postconf := needTool(t, "postconf", "postfix")
	postmap := needTool(t, "postmap", "postfix")
	s := servers(t)[0]
	variants := map[string]func(*smtp.Profile){
		"starttls+ca":  func(*smtp.Profile) {},
		"tls+system":   func(p *smtp.Profile) { p.Security, p.CAFile, p.Auth = smtp.SecurityTLS, "", smtp.AuthAuto },
		"skip-verify":  func(p *smtp.Profile) { p.InsecureSkipVerify, p.Auth = true, smtp.AuthCRAMMD5 },
		"none+no-auth": func(p *smtp.Profile) { p.Security, p.Auth, p.CAFile = smtp.SecurityNone, smtp.AuthNone, "" },
	}
	for name, change := range variants {
		for _, withPassword := range []bool{false, true} {
			p := toolProfile("postfix", s, smtp.AuthPlain)
			change(&p)
			opts := Options{}
			if withPassword {
				opts.Password = toolPass
			}
			out := render(t, "postfix", p, opts)
			d := postfixDir(t, out)
			got, errOut, err := tryTool(t, d, nil, "", postconf, "-c", d, "-n")
			if err != nil || errOut != "" {
				t.Fatalf("%s: postconf -n: %v\n%s\nmain.cf:\n%s", name, err, errOut, out)
			}
			for _, line := range strings.Split(out, "\n") {
				if line != "" && !strings.HasPrefix(line, "#") && !strings.Contains(got, line+"\n") {
					t.Errorf("%s: postconf does not show %q", name, line)
				}
			}
			if p.Auth == smtp.AuthNone {
				continue
			}
			// The sasl_passwd line, as the comment gives it, is what postmap reads.
			var entry string
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "#    [") {
					entry = strings.TrimPrefix(line, "#    ")
				}
			}
			key := "[" + s.Host + "]:" + strings.TrimPrefix(s.Addr, s.Host+":")
			wantPw := PostfixPasswordPlaceholder
			if withPassword {
				wantPw = toolPass
			}
			if entry != key+" "+toolUser+":"+wantPw {
				t.Fatalf("%s: sasl_passwd line %q", name, entry)
			}
			pf := write(t, d, "sasl_passwd", entry+"\n", 0o600)
			runTool(t, d, nil, "", postmap, "-c", d, "hash:"+pf)
			if got := runTool(t, d, nil, "", postmap, "-c", d, "-q", key, "hash:"+pf); got != toolUser+":"+wantPw+"\n" {
				t.Errorf("%s: postmap -q gives %q", name, got)
			}
		}
	}
}

// TestOAuth2TokenSnippets: for an xoauth2 profile the exports that can use
// an access token sign in with the one in SMTP_PASSWORD (AUTH XOAUTH2).
func TestOAuth2TokenSnippets(t *testing.T) {
	const token = "ya29.test-access-token"
	for _, c := range []struct{ format, tool, pkg, subject string }{
		{"python", "python3", "python3", "smtpconf export test (Python)"},
		{"nodemailer", "node", "nodejs", "smtpconf export test (Node.js)"},
		{"phpmailer", "php", "php-cli", "smtpconf export test (PHP)"},
		{"msmtprc", "msmtp", "msmtp", "msmtp oauth test"},
		{"go", "go", "golang", "smtpconf export test (Go)"},
	} {
		t.Run(c.format, func(t *testing.T) {
			bin := needTool(t, c.tool, c.pkg)
			srv := smtptest.Start(t, smtptest.Config{
				Mode:        smtptest.STARTTLS,
				XOAUTH2:     func(user, tok string) bool { return user == toolUser && tok == token },
				Mechanisms:  []string{"XOAUTH2"},
				RequireAuth: true,
			})
			s := toolSrv{srv, "starttls", smtp.SecuritySTARTTLS}
			p := toolProfile(c.format, s, smtp.AuthXOAUTH2)
			dir := t.TempDir()
			env := []string{"SMTP_PASSWORD=" + token}
			f := write(t, dir, "send_test", render(t, c.format, p, Options{}), 0o600)
			switch c.format {
			case "nodemailer":
				env = append(env, "NODE_PATH="+nodeModules(t))
				runTool(t, dir, env, "", bin, f)
			case "go":
				if err := os.Rename(f, filepath.Join(dir, "main.go")); err != nil {
					t.Fatal(err)
				}
				goModule(t, bin, dir)
				runTool(t, dir, append(env, goEnv...), "", bin, "run", ".")
			case "msmtprc":
				runTool(t, dir, env, "Subject: msmtp oauth test\r\n\r\nHello.\r\n", bin, "-C", f, toolUser)
			default:
				runTool(t, dir, env, "", bin, f)
			}
			delivered(t, s, c.subject)
		})
	}
}
