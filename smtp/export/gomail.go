package export

import (
	"fmt"
	"slices"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// goMailAuth names go-mail's SMTPAuthType constant for each method.
var goMailAuth = map[smtp.AuthMethod]string{
	smtp.AuthAuto:    "SMTPAuthAutoDiscover",
	smtp.AuthPlain:   "SMTPAuthPlain",
	smtp.AuthLogin:   "SMTPAuthLogin",
	smtp.AuthCRAMMD5: "SMTPAuthCramMD5",
	smtp.AuthXOAUTH2: "SMTPAuthXOAUTH2",
}

// renderGo writes a Go program (github.com/wneessen/go-mail, the library
// smtpconf itself is built on) that sends a test message to the profile's
// From address. Go refuses unused imports, so the import list holds only
// what the program uses.
func renderGo(j *job) (string, error) {
	imports := []string{"fmt", "os", "time"}
	keyring := j.auth && j.password == "" && !j.oauth && (j.keyringLinux() || j.os == "darwin")
	if j.p.Security != smtp.SecurityNone {
		imports = append(imports, "crypto/tls")
		if j.p.CAFile != "" {
			imports = append(imports, "crypto/x509")
		}
	}
	if keyring {
		imports = append(imports, "os/exec", "strings")
		if j.os == "darwin" {
			imports = append(imports, "encoding/base64")
		}
	}
	slices.Sort(imports)

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	b.WriteString(j.comment("// ", j.header()...))
	b.WriteString(j.comment("// ", "",
		"Run: go mod init sendtest && go get github.com/wneessen/go-mail && go run ."))
	// A blank line keeps the comment from being the package's doc comment,
	// which gofmt would reflow.
	w("\npackage main\n\nimport (\n")
	for _, imp := range imports {
		w("\t%s\n", goStr(imp))
	}
	w("\n\t\"github.com/wneessen/go-mail\"\n)\n\n")
	w("const (\n\thost     = %s\n\tfromAddr = %s\n)\n", goStr(j.p.Host), goStr(j.fromAddr))
	if j.auth {
		w("\n")
		b.WriteString(goPassword(j, keyring))
	}
	w(`
func main() {
	if err := send(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("Sent a test message to " + fromAddr)
}

func send() error {
	msg := mail.NewMsg()
	if err := msg.FromFormat(%s, fromAddr); err != nil {
		return err
	}
	if err := msg.To(fromAddr); err != nil {
		return err
	}
	msg.Subject(%s)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(mail.TypeTextPlain, %s)

	opts := []mail.Option{
		mail.WithPort(%d),
		// The timeout bounds each network step.
		mail.WithTimeout(%d * time.Second),
`, goStr(j.fromName), goStr(j.subject()), goStr(j.body()), j.p.Port, j.seconds())
	switch j.p.Security {
	case smtp.SecurityTLS:
		w("\t\t// Implicit TLS.\n\t\tmail.WithSSL(),\n")
	case smtp.SecuritySTARTTLS:
		w("\t\t// STARTTLS, and fail without it.\n\t\tmail.WithTLSPolicy(mail.TLSMandatory),\n")
	default:
		w("\t\t// No encryption.\n\t\tmail.WithTLSPolicy(mail.NoTLS),\n")
	}
	if j.helo != "" {
		w("\t\tmail.WithHELO(%s),\n", goStr(j.helo))
	}
	w("\t}\n")
	if j.p.Security != smtp.SecurityNone {
		w("\ttlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}\n")
		if j.p.CAFile != "" {
			w(`	// The profile's CA file replaces the system's trusted CAs.
	pem, err := os.ReadFile(%s)
	if err != nil {
		return err
	}
	tlsConfig.RootCAs = x509.NewCertPool()
	if !tlsConfig.RootCAs.AppendCertsFromPEM(pem) {
		return fmt.Errorf("no certificate in %%s", %s)
	}
`, goStr(j.p.CAFile), goStr(j.p.CAFile))
		}
		if j.p.InsecureSkipVerify {
			w("\t// The profile skips certificate verification.\n\ttlsConfig.InsecureSkipVerify = true\n")
		}
		w("\topts = append(opts, mail.WithTLSConfig(tlsConfig))\n")
	}
	if j.auth {
		w(`	secret, err := password()
	if err != nil {
		return err
	}
	opts = append(opts, mail.WithSMTPAuth(mail.%s), mail.WithUsername(%s), mail.WithPassword(secret))
`, goMailAuth[j.p.Auth], goStr(j.p.Username))
	}
	w(`	client, err := mail.NewClient(host, opts...)
	if err != nil {
		return err
	}
	return client.DialAndSend(msg)
}
`)
	return b.String(), nil
}

// goPassword is the password function.
func goPassword(j *job, keyring bool) string {
	var b strings.Builder
	b.WriteString("func password() (string, error) {\n")
	if j.password != "" {
		b.WriteString("\treturn " + goStr(j.password) + ", nil\n}\n")
		return b.String()
	}
	b.WriteString("\tif v := os.Getenv(\"SMTP_PASSWORD\"); v != \"\" {\n\t\treturn v, nil\n\t}\n")
	if !keyring {
		what := "the account's password"
		if j.oauth {
			what = "an OAuth2 access token"
		}
		fmt.Fprintf(&b, "\treturn \"\", fmt.Errorf(%s)\n}\n", goStr("set SMTP_PASSWORD to "+what))
		return b.String()
	}
	args := j.secretToolArgs()
	if j.os == "darwin" {
		args = j.securityArgs()
	}
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = goStr(a)
	}
	fmt.Fprintf(&b, "\tout, err := exec.Command(%s).Output()\n", strings.Join(q, ", "))
	b.WriteString("\tif err != nil {\n\t\treturn \"\", fmt.Errorf(\"reading the password from the keyring: %w\", err)\n\t}\n")
	if j.os == "darwin" {
		fmt.Fprintf(&b, "\ts := strings.TrimSpace(string(out))\n\tif rest, ok := strings.CutPrefix(s, %s); ok {\n", goStr(darwinPrefix))
		b.WriteString("\t\tdec, err := base64.StdEncoding.DecodeString(rest)\n\t\treturn string(dec), err\n\t}\n\treturn s, nil\n}\n")
		return b.String()
	}
	b.WriteString("\treturn strings.TrimSuffix(string(out), \"\\n\"), nil\n}\n")
	return b.String()
}
