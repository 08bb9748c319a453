package export

import (
	"fmt"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// renderMsmtprc writes an msmtp account. The password stays in the keyring:
// msmtp runs passwordeval each time it needs it.
func renderMsmtprc(j *job) error {
	acct := msmtpAccount(j.p.Name)
	j.intro(
		"Use: save as ~/.msmtprc (mode 600), or append the account to yours, then try it:",
		"  printf 'Subject: msmtp test\\n\\nHello from msmtp.\\n' | msmtp -a "+ShellQuote(acct)+" "+ShellQuote(j.fromAddr),
	)
	if j.fromName != "" {
		j.write(j.comment("msmtp sets no sender name (" + j.fromName + "): the program that writes the message puts it in the From header."))
	}
	j.write("\naccount " + acct + "\n")
	line := func(k, v string) { j.write(k + " " + v + "\n") }
	line("host", msmtpStr(j.p.Host))
	line("port", fmt.Sprint(j.p.Port))
	line("tls", j.bySecurity("on", "on", "off"))
	if j.p.Security != smtp.SecurityNone {
		line("tls_starttls", j.bySecurity("off", "on", ""))
		if j.p.CAFile != "" {
			j.write("# The profile's CA file replaces the system's trusted roots.\n")
			line("tls_trust_file", msmtpStr(j.p.CAFile))
		} else {
			line("tls_trust_file", "system")
		}
		if j.p.InsecureSkipVerify {
			line("tls_certcheck", "off")
		}
	}
	line("auth", msmtpAuth(j))
	if j.auth {
		line("user", msmtpStr(j.p.Username))
		switch {
		case j.password != "":
			line("password", msmtpStr(j.password))
		case j.oauth:
			line("passwordeval", msmtpStr("printenv SMTP_PASSWORD"))
		case j.keyringShell() != "":
			line("passwordeval", msmtpStr(j.keyringShell()))
		default:
			line("passwordeval", msmtpStr("printenv SMTP_PASSWORD"))
		}
	}
	line("from", msmtpStr(j.fromAddr))
	if j.helo != "" {
		line("domain", msmtpStr(j.helo))
	}
	line("timeout", fmt.Sprint(j.seconds()))
	j.write("\n# Make it the default account (leave this out if you have one):\n")
	j.write("account default : " + acct + "\n")
	return nil
}

// msmtpAuth maps the profile's method onto msmtp's auth argument.
func msmtpAuth(j *job) string {
	if !j.auth {
		return "off"
	}
	switch j.p.Auth {
	case smtp.AuthPlain:
		return "plain"
	case smtp.AuthLogin:
		return "login"
	case smtp.AuthCRAMMD5:
		return "cram-md5"
	case smtp.AuthXOAUTH2:
		return "xoauth2"
	}
	return "on" // the best method the server offers
}

// msmtpAccount is the account name: the profile name with the characters
// msmtp gives a meaning in account lines (":", ",", blanks, quotes) replaced.
func msmtpAccount(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._+@-", r):
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	if s := strings.Trim(b.String(), "_"); s != "" && s != "default" {
		return b.String()
	}
	return "smtpconf-" + b.String()
}
