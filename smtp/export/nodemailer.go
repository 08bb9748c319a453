package export

import (
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// renderNodemailer writes a Node.js program (CommonJS, Nodemailer) that
// sends a test message to the profile's From address.
func renderNodemailer(j *job) error {
	j.intro("Run: npm install nodemailer && node send_test.js")
	j.printf(`"use strict";
const fs = require("fs");
const { execFileSync } = require("child_process");
const nodemailer = require("nodemailer");

const FROM_ADDR = %s;
`, jsStr(j.fromAddr))
	if j.auth {
		j.write("\n")
		j.write(j.passwordFunc(jsPassword, jsStr))
	}
	j.write("\nconst transporter = nodemailer.createTransport({\n")
	j.printf("  host: %s,\n", jsStr(j.p.Host))
	j.printf("  port: %d,\n", j.p.Port)
	j.write(j.bySecurity(
		"  secure: true, // implicit TLS\n",
		"  secure: false,\n  requireTLS: true, // STARTTLS, and fail without it\n",
		"  secure: false,\n  ignoreTLS: true, // no encryption\n"))
	if j.helo != "" {
		j.printf("  name: %s, // HELO name\n", jsStr(j.helo))
	}
	ms := j.seconds() * 1000
	j.printf("  connectionTimeout: %d,\n  greetingTimeout: %d,\n  socketTimeout: %d,\n", ms, ms, ms)
	if j.p.Security != smtp.SecurityNone {
		var tls []string
		if j.p.CAFile != "" {
			tls = append(tls, "ca: [fs.readFileSync("+jsStr(j.p.CAFile)+")]")
		}
		if j.p.InsecureSkipVerify {
			tls = append(tls, "rejectUnauthorized: false")
		}
		tls = append(tls, `minVersion: "TLSv1.2"`)
		j.printf("  tls: { %s },\n", strings.Join(tls, ", "))
		if j.p.CAFile != "" {
			j.write("  // tls.ca replaces the system's trusted CAs with the profile's CA file.\n")
		}
	}
	if j.auth {
		if j.oauth {
			j.printf("  auth: { type: \"OAuth2\", user: %s, accessToken: password() },\n", jsStr(j.p.Username))
		} else {
			if m := j.p.Auth.Mechanism(); m != "" {
				j.printf("  authMethod: %s,\n", jsStr(m))
			}
			j.printf("  auth: { user: %s, pass: password() },\n", jsStr(j.p.Username))
		}
	}
	j.write("});\n")
	j.printf(`
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
	return nil
}

// jsPassword is the password() function.
const jsPassword = `function password() {
{{- if .Literal}}
  return {{.Literal}};
{{- else}}
  if (process.env.SMTP_PASSWORD) return process.env.SMTP_PASSWORD;
{{- if .What}}
  throw new Error("Set SMTP_PASSWORD to {{.What}}");
{{- else if .Darwin}}
  const out = execFileSync({{.Cmd}}, [{{.Rest}}], { encoding: "utf8" }).trim();
  const prefix = {{.Prefix}};
  return out.startsWith(prefix) ? Buffer.from(out.slice(prefix.length), "base64").toString("utf8") : out;
{{- else}}
  return execFileSync({{.Cmd}}, [{{.Rest}}], { encoding: "utf8" }).replace(/\n$/, "");
{{- end}}
{{- end}}
}
`
