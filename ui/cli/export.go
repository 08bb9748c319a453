package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/export"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// exportCmd is `smtpconf export FORMAT NAME [--with-password]`: the
// profile's settings for another program, on standard output. Notes for
// the person go to standard error, so the output can be redirected to a file
// as it is.
func (r *runner) exportCmd(args []string) error {
	fs := newFlags("export")
	withPassword := fs.Bool("with-password", false, i18n.L("include the password"))
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	formats := strings.Join(export.IDs(), ", ")
	if len(pos) != 2 {
		return usageL("{{.Command}} needs a format and a profile name, for example {{.Example}}. Formats: {{.Choices}}.",
			M{"Command": "export", "Example": "smtpconf export msmtprc work", "Choices": formats})
	}
	f, ok := export.Lookup(pos[0])
	if !ok {
		return usageL("There is no export format {{.Name}}; choose one of {{.Choices}}.",
			M{"Name": fmt.Sprintf("%q", pos[0]), "Choices": formats})
	}
	a, p, err := r.profile(pos[1])
	if err != nil {
		return err
	}
	oauth := p.NeedsSecret() && p.Auth == smtp.AuthXOAUTH2
	var opts export.Options
	if *withPassword && p.NeedsSecret() && !oauth {
		pw, err := a.Secrets().Get(p.Name)
		if errors.Is(err, smtp.ErrSecretNotFound) {
			return &localError{i18n.L("No password is stored for profile {{.Name}}. Store it with {{.Example}}, or export without --with-password.",
				M{"Name": fmt.Sprintf("%q", p.Name), "Example": "smtpconf profile save " + export.ShellQuote(p.Name) + " --password-stdin"}), err}
		}
		if err != nil {
			return err
		}
		opts.Password = pw
	}
	out, err := export.Render(f.ID, p, opts)
	if err != nil {
		return r.exportFailed(f, p, err)
	}
	fmt.Fprint(r.env.Stdout, out)
	switch {
	case oauth:
		fmt.Fprintln(r.env.Stderr, i18n.L("Note: profile {{.Name}} signs in with OAuth2. {{.Program}} needs a current access token in SMTP_PASSWORD, and access tokens expire within an hour; to send without one, use smtpconf relay or smtpconf sendmail, which sign in for you.",
			M{"Name": fmt.Sprintf("%q", p.Name), "Program": f.Title}))
	case opts.Password != "":
		fmt.Fprintln(r.env.Stderr, i18n.L("Warning: the output contains the password; keep it private."))
	case *withPassword && !p.NeedsSecret():
		fmt.Fprintln(r.env.Stderr, i18n.L("Note: profile {{.Name}} does not authenticate, so there is no password to include.",
			M{"Name": fmt.Sprintf("%q", p.Name)}))
	}
	return nil
}

// exportFailed says why a profile cannot be exported in a format; each of
// these is a property of the profile and the target, so the exit code is 2.
func (r *runner) exportFailed(f export.Format, p smtp.Profile, err error) error {
	name := fmt.Sprintf("%q", p.Name)
	var msg string
	switch {
	case errors.Is(err, export.ErrOAuth2):
		msg = i18n.L("{{.Program}} cannot sign in with OAuth2, which profile {{.Name}} uses. Point the program at smtpconf relay, or use smtpconf sendmail: they sign in for it.",
			M{"Program": f.Title, "Name": name})
	case errors.Is(err, export.ErrNoFrom):
		msg = i18n.L("Profile {{.Name}} has no From address, which the export needs; set it with {{.Example}}.",
			M{"Name": name, "Example": "smtpconf profile save " + export.ShellQuote(p.Name) + " --from ADDR"})
	case errors.Is(err, export.ErrNotExpressible):
		msg = i18n.L("{{.Program}} cannot use this profile's settings: {{.Error}}", M{"Program": f.Title, "Error": err.Error()})
	default:
		return err
	}
	fmt.Fprintf(r.env.Stderr, "smtpconf: %s\n", msg)
	return exitError{ExitUsage}
}
