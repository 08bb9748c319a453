package export

import (
	"fmt"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// saslPasswdPath is where the Postfix export keeps the account's password.
const saslPasswdPath = "/etc/postfix/sasl_passwd"

// PostfixPasswordPlaceholder stands for the password in the sasl_passwd
// line when the export does not include it.
const PostfixPasswordPlaceholder = "PASSWORD"

// renderPostfix writes main.cf lines that make this machine's Postfix relay
// everything through the account (the path for someone who outgrows one
// machine). The whole output is valid main.cf: the sasl_passwd line and the
// commands are comments.
func renderPostfix(j *job) error {
	host, err := postfixHost(j.p.Host)
	if err != nil {
		return err
	}
	next := fmt.Sprintf("[%s]:%d", host, j.p.Port)
	if j.auth {
		if strings.Contains(j.p.Username, ":") || strings.TrimSpace(j.p.Username) != j.p.Username {
			return fmt.Errorf("%w: Postfix's sasl_passwd cannot hold the user name %q (a colon, or spaces at either end)", ErrNotExpressible, j.p.Username)
		}
		if strings.TrimSpace(j.password) != j.password {
			return fmt.Errorf("%w: Postfix's sasl_passwd cannot hold a password that starts or ends with a space", ErrNotExpressible)
		}
	}
	j.intro(
		"Postfix cannot express: OAuth2 sign-in (it would need a SASL plugin), the sender",
		"name (each program writes its own From header), and one timeout for every step",
		"(the profile's timeout is set on each step below).",
		"",
		"1. Put these lines into /etc/postfix/main.cf (or set each with sudo postconf -e),",
		"   replacing earlier values of the same parameters:",
	)
	set := func(k, v string) { j.write(k + " = " + v + "\n") }
	set("relayhost", next)
	switch j.p.Security {
	case smtp.SecurityTLS:
		j.write("# Port " + fmt.Sprint(j.p.Port) + " speaks TLS from the first byte (implicit TLS).\n")
		set("smtp_tls_wrappermode", "yes")
		set("smtp_tls_security_level", postfixLevel(j))
	case smtp.SecuritySTARTTLS:
		set("smtp_tls_wrappermode", "no")
		set("smtp_tls_security_level", postfixLevel(j))
	default:
		set("smtp_tls_wrappermode", "no")
		set("smtp_tls_security_level", "none")
	}
	if j.p.Security != smtp.SecurityNone && !j.p.InsecureSkipVerify {
		if j.p.CAFile != "" {
			if strings.ContainsAny(j.p.CAFile, " \t,") {
				return fmt.Errorf("%w: Postfix cannot use a CA file whose path has spaces or commas: %q", ErrNotExpressible, j.p.CAFile)
			}
			j.write("# The profile's CA file; Postfix must be able to read it (copy it under /etc/postfix if needed).\n")
			set("smtp_tls_CAfile", postfixStr(j.p.CAFile))
		} else {
			j.write("# Trust the system's CA certificates, which Postfix does not load by default.\n")
			set("tls_append_default_CA", "yes")
		}
	}
	if j.helo != "" {
		set("smtp_helo_name", postfixStr(j.helo))
	}
	t := fmt.Sprintf("%ds", j.seconds())
	for _, k := range []string{"smtp_connect_timeout", "smtp_helo_timeout", "smtp_starttls_timeout", "smtp_mail_timeout",
		"smtp_rcpt_timeout", "smtp_data_init_timeout", "smtp_data_xfer_timeout", "smtp_data_done_timeout", "smtp_quit_timeout"} {
		if k == "smtp_starttls_timeout" && j.p.Security == smtp.SecurityNone {
			continue
		}
		set(k, t)
	}
	if !j.auth {
		j.write("# The profile does not authenticate.\n")
		set("smtp_sasl_auth_enable", "no")
		j.write(j.postfixSteps(next, false))
		return nil
	}
	j.write("# Sign in as the account. Debian and Ubuntu need the package libsasl2-modules for this.\n")
	set("smtp_sasl_auth_enable", "yes")
	set("smtp_sasl_password_maps", "hash:"+saslPasswdPath)
	set("smtp_sasl_security_options", "noanonymous")
	set("smtp_sasl_tls_security_options", "noanonymous")
	if m := j.p.Auth.Mechanism(); m != "" {
		set("smtp_sasl_mechanism_filter", strings.ToLower(m))
	}
	j.write(j.postfixSteps(next, true))
	return nil
}

// postfixSteps is the closing comment: the sasl_passwd line and the
// commands that make Postfix use it.
func (j *job) postfixSteps(next string, auth bool) string {
	var lines []string
	if auth {
		pw := j.password
		if pw == "" {
			pw = PostfixPasswordPlaceholder
		}
		lines = append(lines, "",
			"2. "+saslPasswdPath+" (mode 600, owned by root) holds this one line:",
			"",
			"   "+next+" "+j.p.Username+":"+pw,
			"")
		if j.password == "" && j.keyringShell() != "" {
			lines = append(lines,
				"   Write it with the password from your keyring (run this as yourself, not as",
				"   root, so that your keyring can be reached):",
				"   (umask 077; { printf '%s %s:' "+ShellQuote(next)+" "+ShellQuote(j.p.Username)+"; "+j.keyringShell()+"; echo; } | sudo tee "+saslPasswdPath+" >/dev/null)",
				"")
		} else if j.password == "" {
			lines = append(lines, "   Replace "+PostfixPasswordPlaceholder+" with the account's password.", "")
		}
		lines = append(lines,
			"3. Then: sudo chmod 600 "+saslPasswdPath+" && sudo postmap "+saslPasswdPath+" && sudo postfix reload")
	} else {
		lines = append(lines, "", "2. Then: sudo postfix reload")
	}
	lines = append(lines,
		"",
		"Many providers refuse a sender other than the account. To rewrite every sender",
		"to "+j.fromAddr+", add:  sender_canonical_maps = static:"+postfixStr(j.fromAddr))
	return j.comment(lines...)
}

// postfixLevel is smtp_tls_security_level for an encrypted profile: secure
// verifies the certificate and the host name, encrypt only encrypts.
func postfixLevel(j *job) string {
	if j.p.InsecureSkipVerify {
		return "encrypt"
	}
	return "secure"
}

// postfixHost is the host as Postfix writes a next hop: ASCII, and an IPv6
// address as ipv6:ADDR. Anything else Postfix would misread is refused.
func postfixHost(h string) (string, error) {
	if strings.Contains(h, ":") {
		for _, r := range h {
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' || r == ':' || r == '.') {
				return "", fmt.Errorf("%w: Postfix cannot relay to host %q", ErrNotExpressible, h)
			}
		}
		return "ipv6:" + h, nil
	}
	a, err := smtp.ASCIIHost(h)
	if err != nil {
		return "", fmt.Errorf("%w: Postfix cannot relay to host %q", ErrNotExpressible, h)
	}
	for _, r := range a {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return "", fmt.Errorf("%w: Postfix cannot relay to host %q", ErrNotExpressible, h)
		}
	}
	return a, nil
}
