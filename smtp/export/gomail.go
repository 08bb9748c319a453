package export

import (
	"slices"

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
func renderGo(j *job) error {
	imports := []string{"fmt", "os", "time"}
	keyring := j.readsKeyring()
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

	j.intro("Run: go mod init sendtest && go get github.com/wneessen/go-mail && go run .")
	// A blank line keeps the comment from being the package's doc comment,
	// which gofmt would reflow.
	j.write("\npackage main\n\nimport (\n")
	for _, imp := range imports {
		j.printf("\t%s\n", goStr(imp))
	}
	j.write("\n\t\"github.com/wneessen/go-mail\"\n)\n\n")
	j.printf("const (\n\thost     = %s\n\tfromAddr = %s\n)\n", goStr(j.p.Host), goStr(j.fromAddr))
	if j.auth {
		j.write("\n")
		j.write(j.passwordFunc(goPassword, goStr))
	}
	helo := "" // the HELO option, when the profile names one
	if j.helo != "" {
		helo = "\t\tmail.WithHELO(" + goStr(j.helo) + "),\n"
	}
	j.printf(`
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
%s%s	}
`, goStr(j.fromName), goStr(j.subject()), goStr(j.body()), j.p.Port, j.seconds(), j.bySecurity(
		"\t\t// Implicit TLS.\n\t\tmail.WithSSL(),\n",
		"\t\t// STARTTLS, and fail without it.\n\t\tmail.WithTLSPolicy(mail.TLSMandatory),\n",
		"\t\t// No encryption.\n\t\tmail.WithTLSPolicy(mail.NoTLS),\n"), helo)
	if j.p.Security != smtp.SecurityNone {
		j.write("\ttlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}\n")
		if j.p.CAFile != "" {
			j.printf(`	// The profile's CA file replaces the system's trusted CAs.
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
			j.write("\t// The profile skips certificate verification.\n\ttlsConfig.InsecureSkipVerify = true\n")
		}
		j.write("\topts = append(opts, mail.WithTLSConfig(tlsConfig))\n")
	}
	if j.auth {
		j.printf(`	secret, err := password()
	if err != nil {
		return err
	}
	opts = append(opts, mail.WithSMTPAuth(mail.%s), mail.WithUsername(%s), mail.WithPassword(secret))
`, goMailAuth[j.p.Auth], goStr(j.p.Username))
	}
	j.write(`	client, err := mail.NewClient(host, opts...)
	if err != nil {
		return err
	}
	return client.DialAndSend(msg)
}
`)
	return nil
}

// goPassword is the password function.
const goPassword = `func password() (string, error) {
{{- if .Literal}}
	return {{.Literal}}, nil
{{- else}}
	if v := os.Getenv("SMTP_PASSWORD"); v != "" {
		return v, nil
	}
{{- if .What}}
	return "", fmt.Errorf("set SMTP_PASSWORD to {{.What}}")
{{- else}}
	out, err := exec.Command({{.Args}}).Output()
	if err != nil {
		return "", fmt.Errorf("reading the password from the keyring: %w", err)
	}
{{- if .Darwin}}
	s := strings.TrimSpace(string(out))
	if rest, ok := strings.CutPrefix(s, {{.Prefix}}); ok {
		dec, err := base64.StdEncoding.DecodeString(rest)
		return string(dec), err
	}
	return s, nil
{{- else}}
	return strings.TrimSuffix(string(out), "\n"), nil
{{- end}}
{{- end}}
{{- end}}
}
`
