package export

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// renderGit writes git config for git send-email. The password comes from
// a credential helper scoped to this server, which asks SMTP_PASSWORD or the
// keyring, so git never stores it (helpers such as "store" would write it to
// a file in plain text).
func renderGit(j *job) error {
	j.intro(
		"Use: save as ~/.config/git/smtpconf.inc and run",
		"  git config --global --add include.path ~/.config/git/smtpconf.inc",
		"(or paste it at the end of ~/.gitconfig), then try it on the last commit:",
		"  git send-email --to="+ShellQuote(j.fromAddr)+" -1",
		"git send-email cannot express: a timeout (it waits as long as the system lets it).",
	)
	set := func(k, v string) { j.write("\t" + k + " = " + v + "\n") }
	j.write("[sendemail]\n")
	set("smtpServer", gitStr(j.p.Host))
	set("smtpServerPort", fmt.Sprint(j.p.Port))
	// git's words: ssl is implicit TLS, tls is STARTTLS.
	set("smtpEncryption", j.bySecurity("ssl", "tls", "none"))
	if j.p.Security != smtp.SecurityNone {
		switch {
		case j.p.InsecureSkipVerify:
			j.write("\t# An empty path turns certificate verification off, as the profile does.\n")
			set("smtpSSLCertPath", `""`)
		case j.p.CAFile != "":
			j.write("\t# The profile's CA file replaces the system's trusted CAs.\n")
			set("smtpSSLCertPath", gitStr(j.p.CAFile))
		}
	}
	if j.helo != "" {
		set("smtpDomain", gitStr(j.helo))
	}
	from := (&mail.Address{Name: j.fromName, Address: j.fromAddr}).String()
	set("from", gitStr(from))
	set("envelopeSender", gitStr(j.fromAddr))
	if !j.auth {
		set("smtpAuth", "none")
		return nil
	}
	set("smtpUser", gitStr(j.p.Username))
	if m := j.p.Auth.Mechanism(); m != "" {
		set("smtpAuth", m)
	}
	if j.password != "" {
		set("smtpPass", gitStr(j.password))
		return nil
	}
	// git send-email asks for the password through git credential with
	// protocol smtp and host HOST:PORT.
	url := fmt.Sprintf("smtp://%s:%d", j.p.Host, j.p.Port)
	if strings.Contains(j.p.Host, ":") {
		url = fmt.Sprintf("smtp://[%s]:%d", j.p.Host, j.p.Port)
	}
	j.printf("[credential %s]\n", gitStr(url))
	j.write("\t# The empty helper drops helpers set earlier (such as \"store\"), so the password is never saved.\n")
	set("helper", `""`)
	set("helper", gitStr("!"+gitHelper(j)))
	return nil
}

// gitHelper is the credential helper's shell function: on "get" it prints
// the password from SMTP_PASSWORD or the keyring; "store" and "erase" do
// nothing.
func gitHelper(j *job) string {
	read := `printf 'password=%s\n' "$SMTP_PASSWORD"`
	if k := j.keyringShell(); k != "" {
		read = `if [ -n "${SMTP_PASSWORD:-}" ]; then printf 'password=%s\n' "$SMTP_PASSWORD"; else pw=$(` + k + `) && printf 'password=%s\n' "$pw"; fi`
	}
	return `f() { test "$1" = get || return 0; ` + read + `; }; f`
}
