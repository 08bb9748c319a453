package export

import (
	"strings"
	"text/template"

	"github.com/smtpconf/smtpconf/smtp"
)

// Where an export finds the password at run time: SMTP_PASSWORD, else the
// OS keyring entry smtpconf keeps. The decisions are made here once; each
// program export only says how its language writes them (passwordCode).

// keyringLinux reports whether the export reads the Secret Service with
// secret-tool (Linux and the BSDs); darwin uses security; others have no
// command-line keyring reader the export can rely on.
func (j *job) keyringLinux() bool { return j.os != "darwin" && j.os != "windows" }

// secretToolArgs is the command that prints the profile's password from the
// Secret Service: go-keyring stores it with the attributes service and
// username.
func (j *job) secretToolArgs() []string {
	return []string{"secret-tool", "lookup", "service", smtp.KeyringService, "username", j.p.Name}
}

// securityArgs is the macOS command that prints the keychain item; go-keyring
// stores the password base64-encoded behind the prefix "go-keyring-base64:".
func (j *job) securityArgs() []string {
	return []string{"security", "find-generic-password", "-s", smtp.KeyringService, "-a", j.p.Name, "-w"}
}

// keyringArgs is the command that prints the keyring item (on macOS still
// encoded), nil where there is no keyring reader.
func (j *job) keyringArgs() []string {
	switch {
	case j.keyringLinux():
		return j.secretToolArgs()
	case j.os == "darwin":
		return j.securityArgs()
	}
	return nil
}

// keyringName is what the system calls its keyring, for comments.
func (j *job) keyringName() string {
	if j.os == "darwin" {
		return "keychain"
	}
	return "keyring"
}

// keyringShell is a shell command that prints the password from the keyring
// ("" where there is none), for msmtp's passwordeval, git's credential
// helper and the Postfix instructions.
func (j *job) keyringShell() string {
	switch {
	case j.keyringLinux():
		return shellJoin(j.secretToolArgs())
	case j.os == "darwin":
		return shellJoin(j.securityArgs()) + ` | sed -e 's/^go-keyring-base64://' | base64 --decode`
	}
	return ""
}

// The go-keyring prefix on macOS keychain items.
const darwinPrefix = "go-keyring-base64:"

// readsKeyring reports whether the export reads the password from the
// keyring when SMTP_PASSWORD is not set.
func (j *job) readsKeyring() bool {
	return j.auth && j.password == "" && !j.oauth && j.keyringArgs() != nil
}

// passwordData is what a password-function template is given: which case
// applies, and its values already written as literals of the template's
// language.
type passwordData struct {
	// Literal is the password itself (--with-password); "" means the
	// function reads SMTP_PASSWORD, then What or the keyring.
	Literal string
	// What is what SMTP_PASSWORD must hold, when there is nothing else to
	// read: "an OAuth2 access token" or "the account's password". Plain
	// words, safe inside any of the languages' double-quoted strings.
	What string
	// Args is the keyring command, every word quoted and joined by ", ";
	// Cmd is its first word and Rest the others, likewise.
	Args, Cmd, Rest string
	// Darwin: the keyring item is go-keyring's base64 behind Prefix, a
	// literal PrefixLen bytes long.
	Darwin    bool
	Prefix    string
	PrefixLen int
}

// passwordFunc is the password function of a program export: tmpl (a
// text/template of the language's code) given the case that applies, with
// quote writing the language's string literals. The templates are
// constants that the tests execute in every case, so a failure is a bug.
func (j *job) passwordFunc(tmpl string, quote func(string) string) string {
	var d passwordData
	args := j.keyringArgs()
	switch {
	case j.password != "":
		d.Literal = quote(j.password)
	case j.oauth:
		d.What = "an OAuth2 access token"
	case args == nil:
		d.What = "the account's password"
	default:
		d.Args, d.Cmd, d.Rest = quoteEach(args, quote, ", "), quote(args[0]), quoteEach(args[1:], quote, ", ")
		d.Darwin, d.Prefix, d.PrefixLen = j.os == "darwin", quote(darwinPrefix), len(darwinPrefix)
	}
	var b strings.Builder
	if err := template.Must(template.New(j.f.ID).Parse(tmpl)).Execute(&b, d); err != nil {
		panic(err)
	}
	return b.String()
}

// quoteEach is args as literals of a language, joined with sep.
func quoteEach(args []string, quote func(string) string, sep string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = quote(a)
	}
	return strings.Join(q, sep)
}
