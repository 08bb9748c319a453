package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// profileCommands are the subcommands of `profile`.
var profileCommands = commands{
	name:    "profile",
	needed:  "profile needs a subcommand: {{.Choices}}.",
	unknown: "There is no profile subcommand {{.Name}}; use one of {{.Choices}}.",
	subs: []subcommand{
		{[]string{"list", "ls"}, (*runner).profileList},
		{[]string{"show"}, (*runner).profileShow},
		{[]string{"save"}, (*runner).profileSave},
		{[]string{"delete", "rm"}, (*runner).profileDelete},
		{[]string{"default"}, (*runner).profileDefault},
	},
}

func (r *runner) profileCmd(args []string) error { return r.dispatchTo(profileCommands, args) }

func (r *runner) profileList(args []string) error {
	_, a, asJSON, err := r.coreJSON("profile list", args, noArgs)
	if err != nil {
		return err
	}
	st := a.Store()
	list, err := st.List()
	if err != nil {
		return err
	}
	def, err := st.Default()
	if err != nil {
		return err
	}
	if asJSON {
		return r.printJSON(listView(list, def))
	}
	if len(list) == 0 {
		fmt.Fprintln(r.env.Stdout, i18n.L("No profiles yet. Create one with: {{.Example}}",
			M{"Example": "smtpconf profile save NAME --preset gmail --from you@gmail.com --password-stdin"}))
		return nil
	}
	rows := [][]string{{i18n.L("NAME"), i18n.L("SERVER"), i18n.L("SECURITY"), i18n.L("USER"), i18n.L("FROM")}}
	for _, p := range list {
		name := p.Name
		// A name edited into profiles.json by hand may break the rules
		// save keeps: say so, and keep the table readable.
		if err := smtp.ValidateName(p.Name); err != nil {
			fmt.Fprintln(r.env.Stderr, i18n.L("Warning: {{.Warning}}", M{"Warning": i18n.L(
				"the profile {{.Name}} in the profiles file has a name that is not valid: {{.Problem}}",
				M{"Name": fmt.Sprintf("%q", truncate(p.Name, 64)), "Problem": smtp.Explain(err)})}))
			name = truncate(name, 64)
		}
		if p.Name == def {
			name = i18n.L("{{.Name}} (default)", M{"Name": p.Name})
		}
		rows = append(rows, []string{name, p.Addr(), smtp.SecurityName(p.Security, smtp.Inline), p.Username, p.From})
	}
	return table(r.env.Stdout, 2, rows)
}

// profileView is `profile show --json`: the profile, its warnings and
// whether a password is stored, never the password itself.
type profileView struct {
	smtp.Profile
	PasswordStored *bool    `json:"password_stored,omitempty"`
	SignedIn       *bool    `json:"signed_in,omitempty"` // xoauth2 profiles: tokens stored
	Account        string   `json:"account,omitempty"`
	KeyringError   string   `json:"keyring_error,omitempty"`
	Warnings       []string `json:"warnings"`
	// FromPolicy is the policy in force: the profile's, else its preset's.
	FromPolicy smtp.FromPolicy `json:"from_policy"`
}

func (r *runner) profileShow(args []string) error {
	pos, asJSON, err := jsonArgs("profile show", args, oneProfile)
	if err != nil {
		return err
	}
	a, p, err := r.profile(pos[0])
	if err != nil {
		return err
	}
	v := profileView{Profile: p, Warnings: []string{}, FromPolicy: p.EffectiveFromPolicy()}
	if p.Auth == smtp.AuthXOAUTH2 {
		// An OAuth2 profile has no password: what matters is the sign-in.
		status, err := a.OAuth().Status(p.Name)
		if err != nil {
			v.KeyringError = err.Error()
		} else {
			v.SignedIn, v.Account = ptr(status.SignedIn), status.Account
		}
	} else if p.NeedsSecret() {
		_, err := a.Secrets().Get(p.Name)
		switch {
		case err == nil:
			v.PasswordStored = ptr(true)
		case errors.Is(err, smtp.ErrSecretNotFound):
			v.PasswordStored = ptr(false)
		default:
			v.KeyringError = err.Error()
		}
	}
	for _, w := range p.Warnings(v.PasswordStored != nil && *v.PasswordStored) {
		v.Warnings = append(v.Warnings, w.Message)
	}
	if asJSON {
		return r.printJSON(v)
	}
	var rows [][]string
	row := func(k, val string) {
		if val != "" {
			rows = append(rows, []string{k, val})
		}
	}
	row(i18n.L("Name:"), p.Name)
	row(i18n.L("Preset:"), p.Preset)
	row(i18n.L("Server:"), p.Addr())
	row(i18n.L("Security:"), smtp.SecurityName(p.Security, smtp.Inline))
	row(i18n.L("Authentication:"), smtp.AuthName(p.Auth, smtp.Inline))
	row(i18n.L("User name:"), p.Username)
	row(i18n.L("From:"), p.From)
	row(i18n.L("From name:"), p.FromName)
	row(i18n.L("HELO name:"), p.HELO)
	row(i18n.L("Timeout:"), p.EffectiveTimeout().String())
	row(i18n.L("CA file:"), p.CAFile)
	row(i18n.L("From policy:"), fromPolicyText(p))
	if p.InsecureSkipVerify {
		row(i18n.L("Certificate check:"), i18n.L("OFF (insecure)"))
	}
	switch {
	case v.SignedIn != nil && *v.SignedIn && v.Account != "":
		row(i18n.L("Sign-in:"), i18n.L("signed in as {{.Account}}", M{"Account": v.Account}))
	case v.SignedIn != nil && *v.SignedIn:
		row(i18n.L("Sign-in:"), i18n.L("signed in"))
	case v.SignedIn != nil:
		row(i18n.L("Sign-in:"), i18n.L("not signed in (run: smtpconf oauth login {{.Name}})", M{"Name": p.Name}))
	case v.PasswordStored != nil && *v.PasswordStored:
		row(i18n.L("Password:"), i18n.L("stored in the keyring"))
	case v.PasswordStored != nil:
		row(i18n.L("Password:"), i18n.L("not stored (save one with --password-stdin)"))
	case v.KeyringError != "" && p.Auth == smtp.AuthXOAUTH2:
		row(i18n.L("Sign-in:"), i18n.L("unknown: {{.Error}}", M{"Error": v.KeyringError}))
	case v.KeyringError != "":
		row(i18n.L("Password:"), i18n.L("unknown: {{.Error}}", M{"Error": v.KeyringError}))
	}
	if err := table(r.env.Stdout, 2, rows); err != nil {
		return err
	}
	for _, m := range v.Warnings {
		fmt.Fprintln(r.env.Stdout, i18n.L("Warning: {{.Warning}}", M{"Warning": m}))
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// flagOfField is the profile save flag that sets each profile field.
var flagOfField = map[string]string{
	"host": "--host", "port": "--port", "security": "--security", "auth": "--auth",
	"username": "--username", "from": "--from", "from_name": "--from-name",
	"helo": "--helo", "timeout": "--timeout", "ca_file": "--ca-file", "from_policy": "--from-policy",
}

// explainFlags is smtp.Explain, each problem led by the flag to correct
// ("--port: 70000 is out of range; ...").
func explainFlags(err error) string {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	lines := make([]string, 0, len(errs))
	for _, e := range errs {
		s := smtp.Explain(e)
		var fe *smtp.FieldError
		if errors.As(e, &fe) && flagOfField[fe.Field] != "" {
			s = i18n.L("{{.Flag}}: {{.Problem}}", M{"Flag": flagOfField[fe.Field], "Problem": s})
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

func (r *runner) profileSave(args []string) error {
	fs := newFlags("profile save")
	preset := fs.String("preset", "", i18n.L("preset id (see 'smtpconf presets')"))
	host := fs.String("host", "", i18n.L("SMTP server host name"))
	port := fs.Int("port", 0, i18n.L("port"))
	security := fs.String("security", "", i18n.L("tls, starttls or none"))
	auth := fs.String("auth", "", i18n.L("auto, plain, login, cram-md5, xoauth2 or none"))
	username := fs.String("username", "", i18n.L("user name for AUTH"))
	from := fs.String("from", "", i18n.L("From address"))
	fromName := fs.String("from-name", "", i18n.L("From display name"))
	pwStdin := fs.Bool("password-stdin", false, i18n.L("read the password from one line of standard input"))
	caFile := fs.String("ca-file", "", i18n.L("PEM file of CA certificates to trust instead of the system's"))
	skip := fs.Bool("insecure-skip-verify", false, i18n.L("do not verify the server certificate (insecure)"))
	helo := fs.String("helo", "", i18n.L("name to announce in EHLO"))
	timeout := fs.String("timeout", "", i18n.L("timeout for each network step, e.g. 30s"))
	fromPolicy := fs.String("from-policy", "", i18n.L("keep, envelope or header: how messages from the relay and sendmail are adapted"))
	asJSON := jsonFlag(fs)
	pos, err := parseArgs(fs, args, oneProfile)
	if err != nil {
		return err
	}
	name := pos[0]
	if err := smtp.ValidateName(name); err != nil {
		return usagef("%v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	a, err := r.core()
	if err != nil {
		return err
	}
	st, secrets := a.Store(), a.Secrets()
	p, err := st.Get(name)
	isNew := errors.Is(err, smtp.ErrNoSuchProfile)
	if err != nil && !isNew {
		return err
	}
	if isNew {
		p = smtp.Profile{Name: name, Security: smtp.SecuritySTARTTLS, Auth: smtp.AuthAuto, Port: 587}
	}
	if set["preset"] {
		pr, ok := smtp.PresetByID(*preset)
		if !ok {
			return usageL("There is no preset {{.ID}}; see 'smtpconf presets' for the ids.", M{"ID": fmt.Sprintf("%q", *preset)})
		}
		p.ApplyPreset(pr)
	}
	if set["host"] {
		p.Host = strings.TrimSpace(*host)
	}
	if set["security"] {
		s, err := smtp.ParseSecurity(*security)
		if err != nil {
			return usageL("--security {{.Value}}: use one of {{.Choices}}.", M{"Value": fmt.Sprintf("%q", *security), "Choices": "tls, starttls, none"})
		}
		p.Security = s
		if !set["port"] && !set["preset"] && isNew {
			p.Port = s.DefaultPort()
		}
	}
	if set["port"] {
		p.Port = *port
	}
	if set["auth"] {
		a, err := smtp.ParseAuthMethod(*auth)
		if err != nil {
			return usageL("--auth {{.Value}}: use one of {{.Choices}}.", M{"Value": fmt.Sprintf("%q", *auth), "Choices": "auto, plain, login, cram-md5, xoauth2, none"})
		}
		p.Auth = a
	} else if set["preset"] && *pwStdin {
		// A password and no --auth: the preset's password alternative
		// (Gmail's app password), not its sign-in (smtpconf oauth login).
		if pr, ok := smtp.PresetByID(*preset); ok {
			p.Auth = pr.PasswordAuth()
		}
	}
	if set["from"] {
		p.From = strings.TrimSpace(*from)
	}
	if set["from-name"] {
		p.FromName = *fromName
	}
	if set["username"] {
		p.Username = *username
	} else if p.Username == "" && p.From != "" && p.Auth != smtp.AuthNone {
		// Nearly every provider's user name is the full address.
		if _, addr, err := smtp.ParseAddress(p.From); err == nil {
			p.Username = addr
		}
	}
	if p.From == "" && strings.Contains(p.Username, "@") {
		p.From = p.Username
	}
	if set["ca-file"] {
		p.CAFile = *caFile
	}
	if set["insecure-skip-verify"] {
		p.InsecureSkipVerify = *skip
	}
	if set["helo"] {
		p.HELO = *helo
	}
	if set["timeout"] {
		d, err := time.ParseDuration(*timeout)
		if err != nil {
			return usageL("--timeout {{.Value}}: use a duration such as 30s or 2m.", M{"Value": fmt.Sprintf("%q", *timeout)})
		}
		p.Timeout = smtp.Duration(d)
	}
	if set["from-policy"] {
		if p.FromPolicy, err = parseFromPolicyFlag(*fromPolicy); err != nil {
			return err
		}
	}
	if p.Host == "" {
		return usageL("The profile {{.Name}} has no server: give --preset ID (see 'smtpconf presets') or --host.", M{"Name": fmt.Sprintf("%q", name)})
	}
	if err := p.Validate(); err != nil {
		return usagef("%s", explainFlags(err))
	}

	var password string
	if *pwStdin {
		if password, err = r.readPassword(); err != nil {
			return err
		}
	}
	// The secret goes in first: if the keyring is unavailable, nothing is
	// written and the person is told how to fix it.
	if password != "" {
		if err := secrets.Set(name, password); err != nil {
			return err
		}
	}
	if err := st.Save(p); err != nil {
		if password != "" && isNew {
			_ = secrets.Delete(name)
		}
		return err
	}
	for _, w := range p.Warnings(password != "" || p.NeedsSecret()) {
		fmt.Fprintln(r.env.Stderr, i18n.L("Warning: {{.Warning}}", M{"Warning": w.Message}))
	}
	if *asJSON {
		return r.printJSON(p)
	}
	data := M{"Name": fmt.Sprintf("%q", name), "Server": p.Addr(), "Security": smtp.SecurityName(p.Security, smtp.Inline)}
	if isNew {
		fmt.Fprintln(r.env.Stdout, i18n.L("Saved the profile {{.Name}}: {{.Server}}, {{.Security}}.", data))
	} else {
		fmt.Fprintln(r.env.Stdout, i18n.L("Updated the profile {{.Name}}: {{.Server}}, {{.Security}}.", data))
	}
	if password != "" {
		fmt.Fprintln(r.env.Stdout, i18n.L("The password is stored in the system keyring."))
	} else if isNew && p.Auth == smtp.AuthXOAUTH2 {
		fmt.Fprintln(r.env.Stdout, i18n.L("This profile signs in with its provider instead of a password; sign in with: {{.Command}}",
			M{"Command": "smtpconf oauth login " + name}))
	} else if isNew && p.NeedsSecret() {
		fmt.Fprintln(r.env.Stdout, i18n.L("No password stored yet: add one with {{.Command}}",
			M{"Command": "smtpconf profile save " + name + " --password-stdin"}))
	}
	return nil
}

func (r *runner) profileDelete(args []string) error {
	pos, err := parseArgs(newFlags("profile delete"), args, oneProfile)
	if err != nil {
		return err
	}
	a, _, err := r.profile(pos[0])
	if err != nil {
		return err
	}
	if err := a.Store().Delete(pos[0]); err != nil {
		return err
	}
	if err := a.Secrets().Delete(pos[0]); err != nil {
		fmt.Fprintln(r.env.Stderr, i18n.L("Warning: the profile was deleted, but its keyring entry could not be removed: {{.Error}}", M{"Error": err.Error()}))
		if h := errorHint(err); h != "" {
			fmt.Fprintln(r.env.Stderr, i18n.L("Hint: {{.Hint}}", M{"Hint": h}))
		}
	}
	fmt.Fprintln(r.env.Stdout, i18n.L("Deleted the profile {{.Name}}.", M{"Name": fmt.Sprintf("%q", pos[0])}))
	return nil
}
