package export

import (
	"net/url"
	"strconv"

	"github.com/smtpconf/smtpconf/smtp"
)

// envVar is one variable of the env export.
type envVar struct {
	Name, Value string
}

// envVars are the profile's settings as twelve-factor environment
// variables, in a fixed order. SMTP_PASSWORD is among them only when the
// job carries the password.
func (j *job) envVars() []envVar {
	verify := "true"
	if j.p.InsecureSkipVerify {
		verify = "false"
	}
	auth := string(j.p.Auth)
	if !j.auth {
		auth = string(smtp.AuthNone)
	}
	vars := []envVar{
		{"SMTP_HOST", j.p.Host},
		{"SMTP_PORT", strconv.Itoa(j.p.Port)},
		{"SMTP_SECURITY", string(j.p.Security)},
		{"SMTP_AUTH", auth},
		{"SMTP_USERNAME", j.p.Username},
		{"SMTP_FROM", j.fromAddr},
		{"SMTP_FROM_NAME", j.fromName},
		{"SMTP_HELO", j.helo},
		{"SMTP_TIMEOUT", strconv.Itoa(j.seconds())},
		{"SMTP_CA_FILE", j.p.CAFile},
		{"SMTP_TLS_VERIFY", verify},
		{"SMTP_URL", j.url()},
	}
	if j.password != "" {
		vars = append(vars, envVar{"SMTP_PASSWORD", j.password})
	}
	return vars
}

// url is the settings as one URL without the password, as many libraries
// take them: smtps:// for implicit TLS, smtp:// with ?starttls=... otherwise.
func (j *job) url() string {
	u := url.URL{Scheme: "smtp", Host: j.p.Addr()}
	q := url.Values{}
	if j.p.Security == smtp.SecurityTLS {
		u.Scheme = "smtps"
	} else {
		q.Set("starttls", j.bySecurity("", "required", "never"))
	}
	if j.auth {
		u.User = url.User(j.p.Username)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// renderEnv writes KEY=VALUE lines that a POSIX shell can source
// (set -a; . ./smtp.env; set +a) and that docker --env-file and systemd's
// EnvironmentFile read the same way for ordinary values: values are quoted
// only when the shell needs it.
func renderEnv(j *job) error {
	j.intro(
		"Load into a shell:  set -a; . ./smtp.env; set +a",
		"SMTP_SECURITY: tls (implicit TLS), starttls or none. SMTP_AUTH: auto, plain, login,",
		"cram-md5, xoauth2 or none. SMTP_TIMEOUT: seconds per network step. SMTP_CA_FILE: the",
		"only CA trusted (empty: the system's). SMTP_URL: the same without the password.",
	)
	switch {
	case j.readsKeyring():
		j.write(j.comment("SMTP_PASSWORD is not included; set it from the "+j.keyringName()+":",
			"  export SMTP_PASSWORD=\"$("+j.keyringShell()+")\""))
	case j.auth && j.password == "" && !j.oauth:
		j.write(j.comment("SMTP_PASSWORD is not included; set it yourself."))
	}
	for _, v := range j.envVars() {
		j.printf("%s=%s\n", v.Name, envValue(v.Value))
	}
	return nil
}

// envValue is a value for the env file: empty stays empty, anything the
// shell would split or expand is single-quoted.
func envValue(s string) string {
	if s == "" {
		return ""
	}
	return ShellQuote(s)
}
