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
func renderGit(j *job) (string, error) {
	var b strings.Builder
	b.WriteString(j.comment("# ", j.header()...))
	b.WriteString(j.comment("# ",
		"",
		"Use: save as ~/.config/git/smtpconf.inc and run",
		"  git config --global --add include.path ~/.config/git/smtpconf.inc",
		"(or paste it at the end of ~/.gitconfig), then try it on the last commit:",
		"  git send-email --to="+ShellQuote(j.fromAddr)+" -1",
		"git send-email cannot express: a timeout (it waits as long as the system lets it).",
	))
	set := func(k, v string) { b.WriteString("\t" + k + " = " + v + "\n") }
	b.WriteString("[sendemail]\n")
	set("smtpServer", gitStr(j.p.Host))
	set("smtpServerPort", fmt.Sprint(j.p.Port))
	switch j.p.Security {
	case smtp.SecurityTLS:
		set("smtpEncryption", "ssl") // git's word for implicit TLS
	case smtp.SecuritySTARTTLS:
		set("smtpEncryption", "tls") // git's word for STARTTLS
	default:
		set("smtpEncryption", "none")
	}
	if j.p.Security != smtp.SecurityNone {
		switch {
		case j.p.InsecureSkipVerify:
			b.WriteString("\t# An empty path turns certificate verification off, as the profile does.\n")
			set("smtpSSLCertPath", `""`)
		case j.p.CAFile != "":
			b.WriteString("\t# The profile's CA file replaces the system's trusted CAs.\n")
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
		return b.String(), nil
	}
	set("smtpUser", gitStr(j.p.Username))
	if m := j.p.Auth.Mechanism(); m != "" {
		set("smtpAuth", m)
	}
	if j.password != "" {
		set("smtpPass", gitStr(j.password))
		return b.String(), nil
	}
	// git send-email asks for the password through git credential with
	// protocol smtp and host HOST:PORT.
	url := fmt.Sprintf("smtp://%s:%d", j.p.Host, j.p.Port)
	if strings.Contains(j.p.Host, ":") {
		url = fmt.Sprintf("smtp://[%s]:%d", j.p.Host, j.p.Port)
	}
	fmt.Fprintf(&b, "[credential %s]\n", gitStr(url))
	b.WriteString("\t# The empty helper drops helpers set earlier (such as \"store\"), so the password is never saved.\n")
	set("helper", `""`)
	set("helper", gitStr("!"+gitHelper(j)))
	return b.String(), nil
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
