package export

import (
	"fmt"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// renderNodemailer writes a Node.js program (CommonJS, Nodemailer) that
// sends a test message to the profile's From address.
func renderNodemailer(j *job) (string, error) {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	b.WriteString(j.comment("// ", j.header()...))
	b.WriteString(j.comment("// ", "", "Run: npm install nodemailer && node send_test.js"))
	w(`"use strict";
const fs = require("fs");
const { execFileSync } = require("child_process");
const nodemailer = require("nodemailer");

const FROM_ADDR = %s;
`, jsStr(j.fromAddr))
	if j.auth {
		w("\n")
		b.WriteString(jsPassword(j))
	}
	w("\nconst transporter = nodemailer.createTransport({\n")
	w("  host: %s,\n", jsStr(j.p.Host))
	w("  port: %d,\n", j.p.Port)
	switch j.p.Security {
	case smtp.SecurityTLS:
		w("  secure: true, // implicit TLS\n")
	case smtp.SecuritySTARTTLS:
		w("  secure: false,\n  requireTLS: true, // STARTTLS, and fail without it\n")
	default:
		w("  secure: false,\n  ignoreTLS: true, // no encryption\n")
	}
	if j.helo != "" {
		w("  name: %s, // HELO name\n", jsStr(j.helo))
	}
	ms := j.seconds() * 1000
	w("  connectionTimeout: %d,\n  greetingTimeout: %d,\n  socketTimeout: %d,\n", ms, ms, ms)
	if j.p.Security != smtp.SecurityNone {
		var tls []string
		if j.p.CAFile != "" {
			tls = append(tls, "ca: [fs.readFileSync("+jsStr(j.p.CAFile)+")]")
		}
		if j.p.InsecureSkipVerify {
			tls = append(tls, "rejectUnauthorized: false")
		}
		tls = append(tls, `minVersion: "TLSv1.2"`)
		w("  tls: { %s },\n", strings.Join(tls, ", "))
		if j.p.CAFile != "" {
			w("  // tls.ca replaces the system's trusted CAs with the profile's CA file.\n")
		}
	}
	if j.auth {
		if j.oauth {
			w("  auth: { type: \"OAuth2\", user: %s, accessToken: password() },\n", jsStr(j.p.Username))
		} else {
			if m := j.p.Auth.Mechanism(); m != "" {
				w("  authMethod: %s,\n", jsStr(m))
			}
			w("  auth: { user: %s, pass: password() },\n", jsStr(j.p.Username))
		}
	}
	w("});\n")
	w(`
transporter
  .sendMail({
    from: { name: %s, address: FROM_ADDR },
    to: FROM_ADDR,
    subject: %s,
    text: %s,
  })
  .then((info) => console.log("Sent a test message to " + FROM_ADDR + ": " + info.response))
  .catch((err) => {
    console.error(err.message);
    process.exitCode = 1;
  });
`, jsStr(j.fromName), jsStr(j.subject()), jsStr(j.body()))
	return b.String(), nil
}

// jsPassword is the password() function.
func jsPassword(j *job) string {
	var b strings.Builder
	b.WriteString("function password() {\n")
	if j.password != "" {
		b.WriteString("  return " + jsStr(j.password) + ";\n}\n")
		return b.String()
	}
	b.WriteString("  if (process.env.SMTP_PASSWORD) return process.env.SMTP_PASSWORD;\n")
	switch {
	case j.oauth:
		b.WriteString("  throw new Error(\"Set SMTP_PASSWORD to an OAuth2 access token\");\n")
	case j.keyringLinux():
		fmt.Fprintf(&b, "  return execFileSync(%s, %s, { encoding: \"utf8\" }).replace(/\\n$/, \"\");\n",
			jsStr(j.secretToolArgs()[0]), jsList(j.secretToolArgs()[1:]))
	case j.os == "darwin":
		fmt.Fprintf(&b, "  const out = execFileSync(%s, %s, { encoding: \"utf8\" }).trim();\n",
			jsStr(j.securityArgs()[0]), jsList(j.securityArgs()[1:]))
		fmt.Fprintf(&b, "  const prefix = %s;\n", jsStr(darwinPrefix))
		b.WriteString("  return out.startsWith(prefix) ? Buffer.from(out.slice(prefix.length), \"base64\").toString(\"utf8\") : out;\n")
	default:
		b.WriteString("  throw new Error(\"Set SMTP_PASSWORD to the account's password\");\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// jsList is a JavaScript array of string literals.
func jsList(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = jsStr(a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
