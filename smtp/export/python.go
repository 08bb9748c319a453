package export

import (
	"github.com/smtpconf/smtpconf/smtp"
)

// renderPython writes a Python 3 program (standard library only) that sends
// a test message to the profile's From address.
func renderPython(j *job) error {
	j.write("#!/usr/bin/env python3\n")
	j.intro("Run: python3 send_test.py")
	j.write(`import base64
import hmac
import os
import smtplib
import ssl
import subprocess
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

`)
	j.printf("HOST = %s\n", pyStr(j.p.Host))
	j.printf("PORT = %d\n", j.p.Port)
	j.printf("USERNAME = %s\n", pyStr(j.p.Username))
	j.printf("FROM_ADDR = %s\n", pyStr(j.fromAddr))
	j.printf("FROM_NAME = %s\n", pyStr(j.fromName))
	if j.helo != "" {
		j.printf("HELO = %s\n", pyStr(j.helo))
	} else {
		j.write("HELO = None  # this machine's name\n")
	}
	j.printf("TIMEOUT = %d  # seconds, for each network step\n", j.seconds())
	if j.p.CAFile != "" {
		j.printf("CA_FILE = %s  # the only CA trusted, instead of the system's\n", pyStr(j.p.CAFile))
	} else {
		j.write("CA_FILE = None  # the system's trusted CAs\n")
	}
	if j.auth {
		j.write("\n\n")
		j.write(j.passwordFunc(pythonPassword, pyStr))
		j.write("\n\n")
		pythonSignIn(j)
	}
	if j.p.Security != smtp.SecurityNone {
		j.write(`

def tls_context():
    ctx = ssl.create_default_context(cafile=CA_FILE)
`)
		if j.p.InsecureSkipVerify {
			j.write("    # The profile skips certificate verification.\n")
			j.write("    ctx.check_hostname = False\n")
			j.write("    ctx.verify_mode = ssl.CERT_NONE\n")
		}
		j.write("    return ctx\n")
	}
	j.printf(`

def main():
    msg = EmailMessage()
    msg["From"] = formataddr((FROM_NAME, FROM_ADDR))
    msg["To"] = FROM_ADDR
    msg["Subject"] = %s
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=FROM_ADDR.rpartition("@")[2])
    msg.set_content(%s)
`, pyStr(j.subject()), pyStr(j.body()))
	if j.p.Security == smtp.SecurityTLS {
		j.write("    with smtplib.SMTP_SSL(HOST, PORT, local_hostname=HELO, timeout=TIMEOUT, context=tls_context()) as s:\n")
	} else {
		j.write("    with smtplib.SMTP(HOST, PORT, local_hostname=HELO, timeout=TIMEOUT) as s:\n")
	}
	if j.p.Security == smtp.SecuritySTARTTLS {
		j.write("        s.starttls(context=tls_context())\n")
	}
	if j.auth {
		j.write("        sign_in(s)\n")
	}
	j.write(`        s.send_message(msg)
    print("Sent a test message to " + FROM_ADDR)


if __name__ == "__main__":
    main()
`)
	return nil
}

// pythonPassword is the password() function.
const pythonPassword = `def password():
{{- if .Literal}}
    return {{.Literal}}
{{- else}}
    value = os.environ.get("SMTP_PASSWORD")
    if value:
        return value
{{- if .What}}
    raise SystemExit("Set SMTP_PASSWORD to {{.What}} for " + USERNAME)
{{- else if .Darwin}}
    out = subprocess.run([{{.Args}}], check=True, capture_output=True, text=True).stdout.strip()
    if out.startswith({{.Prefix}}):
        return base64.b64decode(out[{{.PrefixLen}}:]).decode()
    return out
{{- else}}
    out = subprocess.run([{{.Args}}], check=True, capture_output=True, text=True).stdout
    return out.rstrip("\n")
{{- end}}
{{- end}}
`

// pythonSignIn writes the sign_in(s) function. smtplib's own login() sends
// AUTH responses as ASCII and so fails on a password with any other
// character; RFC 4616 and 4954 carry UTF-8, which the Text class lets
// through smtplib's auth().
func pythonSignIn(j *job) {
	j.write(`class Text(str):
    """A str that smtplib's auth() encodes as UTF-8 instead of ASCII."""

    def encode(self, encoding="utf-8", errors="strict"):
        return str.encode(self, "utf-8", errors)


def sign_in(s):
    s.ehlo_or_helo_if_needed()
`)
	switch j.p.Auth {
	case smtp.AuthXOAUTH2:
		j.write(`    token = password()
    # A refused token gets a 334 with an error; the empty answer ends the exchange.
    s.auth("XOAUTH2", lambda challenge=None: Text("" if challenge else "user=%s\x01auth=Bearer %s\x01\x01" % (USERNAME, token)))
`)
		return
	case smtp.AuthPlain, smtp.AuthLogin, smtp.AuthCRAMMD5:
		j.printf("    mechanism = %s\n", pyStr(j.p.Auth.Mechanism()))
	default:
		j.write(`    offered = s.esmtp_features.get("auth", "").upper().split()
    if not offered:
        return  # as smtpconf does: no authentication offered, none used
    usable = [m for m in ("CRAM-MD5", "PLAIN", "LOGIN") if m in offered]
    if not usable:
        raise smtplib.SMTPException("no common authentication mechanism: the server offers " + " ".join(offered))
    mechanism = usable[0]
`)
	}
	j.write(`    secret = password()
    if mechanism == "CRAM-MD5":
        def respond(challenge=None):
            if challenge is None:
                return None
            digest = hmac.new(secret.encode("utf-8"), challenge, "md5").hexdigest()
            return Text(USERNAME + " " + digest)
    elif mechanism == "PLAIN":
        def respond(challenge=None):
            return Text("\0" + USERNAME + "\0" + secret)
    else:
        s.user, s.password = USERNAME, secret

        def respond(challenge=None):
            return Text(s.auth_login(challenge))
    s.auth(mechanism, respond)
`)
}
