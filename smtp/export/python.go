package export

import (
	"fmt"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// renderPython writes a Python 3 program (standard library only) that sends
// a test message to the profile's From address.
func renderPython(j *job) (string, error) {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("#!/usr/bin/env python3\n")
	b.WriteString(j.comment("# ", j.header()...))
	b.WriteString(j.comment("# ", "", "Run: python3 send_test.py"))
	w(`import base64
import hmac
import os
import smtplib
import ssl
import subprocess
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

`)
	w("HOST = %s\n", pyStr(j.p.Host))
	w("PORT = %d\n", j.p.Port)
	w("USERNAME = %s\n", pyStr(j.p.Username))
	w("FROM_ADDR = %s\n", pyStr(j.fromAddr))
	w("FROM_NAME = %s\n", pyStr(j.fromName))
	if j.helo != "" {
		w("HELO = %s\n", pyStr(j.helo))
	} else {
		w("HELO = None  # this machine's name\n")
	}
	w("TIMEOUT = %d  # seconds, for each network step\n", j.seconds())
	if j.p.CAFile != "" {
		w("CA_FILE = %s  # the only CA trusted, instead of the system's\n", pyStr(j.p.CAFile))
	} else {
		w("CA_FILE = None  # the system's trusted CAs\n")
	}
	if j.auth {
		w("\n\n")
		b.WriteString(pythonPassword(j))
		w("\n\n")
		b.WriteString(pythonSignIn(j))
	}
	if j.p.Security != smtp.SecurityNone {
		w(`

def tls_context():
    ctx = ssl.create_default_context(cafile=CA_FILE)
`)
		if j.p.InsecureSkipVerify {
			w("    # The profile skips certificate verification.\n")
			w("    ctx.check_hostname = False\n")
			w("    ctx.verify_mode = ssl.CERT_NONE\n")
		}
		w("    return ctx\n")
	}
	w(`

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
		w("    with smtplib.SMTP_SSL(HOST, PORT, local_hostname=HELO, timeout=TIMEOUT, context=tls_context()) as s:\n")
	} else {
		w("    with smtplib.SMTP(HOST, PORT, local_hostname=HELO, timeout=TIMEOUT) as s:\n")
	}
	if j.p.Security == smtp.SecuritySTARTTLS {
		w("        s.starttls(context=tls_context())\n")
	}
	if j.auth {
		w("        sign_in(s)\n")
	}
	w(`        s.send_message(msg)
    print("Sent a test message to " + FROM_ADDR)


if __name__ == "__main__":
    main()
`)
	return b.String(), nil
}

// pythonPassword is the password() function.
func pythonPassword(j *job) string {
	var b strings.Builder
	b.WriteString("def password():\n")
	if j.password != "" {
		b.WriteString("    return " + pyStr(j.password) + "\n")
		return b.String()
	}
	b.WriteString("    value = os.environ.get(\"SMTP_PASSWORD\")\n")
	b.WriteString("    if value:\n        return value\n")
	switch {
	case j.oauth:
		b.WriteString("    raise SystemExit(\"Set SMTP_PASSWORD to an OAuth2 access token for \" + USERNAME)\n")
	case j.keyringLinux():
		fmt.Fprintf(&b, "    out = subprocess.run(%s, check=True, capture_output=True, text=True).stdout\n", pyList(j.secretToolArgs()))
		b.WriteString("    return out.rstrip(\"\\n\")\n")
	case j.os == "darwin":
		fmt.Fprintf(&b, "    out = subprocess.run(%s, check=True, capture_output=True, text=True).stdout.strip()\n", pyList(j.securityArgs()))
		fmt.Fprintf(&b, "    if out.startswith(%s):\n", pyStr(darwinPrefix))
		fmt.Fprintf(&b, "        return base64.b64decode(out[%d:]).decode()\n", len(darwinPrefix))
		b.WriteString("    return out\n")
	default:
		b.WriteString("    raise SystemExit(\"Set SMTP_PASSWORD to the password of \" + USERNAME)\n")
	}
	return b.String()
}

// pyList is a Python list of string literals.
func pyList(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = pyStr(a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// pythonSignIn is the sign_in(s) function. smtplib's own login() sends
// AUTH responses as ASCII and so fails on a password with any other
// character; RFC 4616 and 4954 carry UTF-8, which the Text class lets
// through smtplib's auth().
func pythonSignIn(j *job) string {
	var b strings.Builder
	b.WriteString(`class Text(str):
    """A str that smtplib's auth() encodes as UTF-8 instead of ASCII."""

    def encode(self, encoding="utf-8", errors="strict"):
        return str.encode(self, "utf-8", errors)


def sign_in(s):
    s.ehlo_or_helo_if_needed()
`)
	switch j.p.Auth {
	case smtp.AuthXOAUTH2:
		b.WriteString(`    token = password()
    # A refused token gets a 334 with an error; the empty answer ends the exchange.
    s.auth("XOAUTH2", lambda challenge=None: Text("" if challenge else "user=%s\x01auth=Bearer %s\x01\x01" % (USERNAME, token)))
`)
		return b.String()
	case smtp.AuthPlain, smtp.AuthLogin, smtp.AuthCRAMMD5:
		fmt.Fprintf(&b, "    mechanism = %s\n", pyStr(j.p.Auth.Mechanism()))
	default:
		b.WriteString(`    offered = s.esmtp_features.get("auth", "").upper().split()
    if not offered:
        return  # as smtpconf does: no authentication offered, none used
    usable = [m for m in ("CRAM-MD5", "PLAIN", "LOGIN") if m in offered]
    if not usable:
        raise smtplib.SMTPException("no common authentication mechanism: the server offers " + " ".join(offered))
    mechanism = usable[0]
`)
	}
	b.WriteString(`    secret = password()
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
	return b.String()
}
