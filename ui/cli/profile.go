package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

func (r *runner) profileList(args []string) error {
	fs := newFlags("profile list")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("profile list takes no arguments")
	}
	st, err := r.store()
	if err != nil {
		return err
	}
	list, err := st.List()
	if err != nil {
		return err
	}
	if *asJSON {
		if list == nil {
			list = []smtp.Profile{}
		}
		return r.printJSON(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(r.env.Stdout, "No profiles yet. Create one with: smtpconf profile save NAME --preset gmail --from you@gmail.com --password-stdin")
		return nil
	}
	w := tabwriter.NewWriter(r.env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSERVER\tSECURITY\tUSER\tFROM")
	for _, p := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Addr(), p.Security, p.Username, p.From)
	}
	return w.Flush()
}

// profileView is `profile show --json`: the profile, its warnings and
// whether a password is stored, never the password itself.
type profileView struct {
	smtp.Profile
	PasswordStored *bool    `json:"password_stored,omitempty"`
	KeyringError   string   `json:"keyring_error,omitempty"`
	Warnings       []string `json:"warnings"`
}

func (r *runner) profileShow(args []string) error {
	fs := newFlags("profile show")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("profile show needs exactly one profile name")
	}
	st, err := r.store()
	if err != nil {
		return err
	}
	p, err := st.Get(pos[0])
	if err != nil {
		return err
	}
	v := profileView{Profile: p, Warnings: []string{}}
	if p.NeedsSecret() {
		_, err := r.secrets().Get(p.Name)
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
	if *asJSON {
		return r.printJSON(v)
	}
	w := tabwriter.NewWriter(r.env.Stdout, 0, 0, 2, ' ', 0)
	row := func(k, val string) {
		if val != "" {
			fmt.Fprintf(w, "%s:\t%s\n", k, val)
		}
	}
	row("Name", p.Name)
	row("Preset", p.Preset)
	row("Server", p.Addr())
	row("Security", string(p.Security))
	row("Authentication", string(p.Auth))
	row("User name", p.Username)
	row("From", p.From)
	row("From name", p.FromName)
	row("HELO name", p.HELO)
	row("Timeout", p.EffectiveTimeout().String())
	row("CA file", p.CAFile)
	if p.InsecureSkipVerify {
		row("Certificate check", "OFF (insecure)")
	}
	switch {
	case v.PasswordStored != nil && *v.PasswordStored:
		row("Password", "stored in the keyring")
	case v.PasswordStored != nil:
		row("Password", "not stored (save one with --password-stdin)")
	case v.KeyringError != "":
		row("Password", "unknown: "+v.KeyringError)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, m := range v.Warnings {
		fmt.Fprintf(r.env.Stdout, "Warning: %s\n", m)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func (r *runner) profileSave(args []string) error {
	fs := newFlags("profile save")
	preset := fs.String("preset", "", "preset id (see 'smtpconf presets')")
	host := fs.String("host", "", "SMTP server host name")
	port := fs.Int("port", 0, "port")
	security := fs.String("security", "", "tls, starttls or none")
	auth := fs.String("auth", "", "auto, plain, login, cram-md5, xoauth2 or none")
	username := fs.String("username", "", "user name for AUTH")
	from := fs.String("from", "", "From address")
	fromName := fs.String("from-name", "", "From display name")
	pwStdin := fs.Bool("password-stdin", false, "read the password from one line of standard input")
	caFile := fs.String("ca-file", "", "PEM file of CA certificates to trust instead of the system's")
	skip := fs.Bool("insecure-skip-verify", false, "do not verify the server certificate (insecure)")
	helo := fs.String("helo", "", "name to announce in EHLO")
	timeout := fs.String("timeout", "", "timeout for each network step, e.g. 30s")
	asJSON := fs.Bool("json", false, "print the saved profile as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("profile save needs exactly one profile name")
	}
	name := pos[0]
	if err := smtp.ValidateName(name); err != nil {
		return usagef("%v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	st, err := r.store()
	if err != nil {
		return err
	}
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
			return usagef("unknown preset %q: see 'smtpconf presets' for the ids", *preset)
		}
		p.ApplyPreset(pr)
	}
	if set["host"] {
		p.Host = strings.TrimSpace(*host)
	}
	if set["security"] {
		s, err := smtp.ParseSecurity(*security)
		if err != nil {
			return usagef("--security %q: use tls, starttls or none", *security)
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
			return usagef("--auth %q: use auto, plain, login, cram-md5, xoauth2 or none", *auth)
		}
		p.Auth = a
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
			return usagef("--timeout %q: use a duration such as 30s or 2m", *timeout)
		}
		p.Timeout = smtp.Duration(d)
	}
	if p.Host == "" {
		return usagef("profile %q has no server: give --preset ID (see 'smtpconf presets') or --host", name)
	}
	if err := p.Validate(); err != nil {
		return usagef("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
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
		if err := r.secrets().Set(name, password); err != nil {
			return err
		}
	}
	if err := st.Save(p); err != nil {
		if password != "" && isNew {
			_ = r.secrets().Delete(name)
		}
		return err
	}
	for _, w := range p.Warnings(password != "" || p.NeedsSecret()) {
		fmt.Fprintf(r.env.Stderr, "Warning: %s\n", w.Message)
	}
	if *asJSON {
		return r.printJSON(p)
	}
	verb := "Updated"
	if isNew {
		verb = "Saved"
	}
	fmt.Fprintf(r.env.Stdout, "%s profile %q: %s, %s.\n", verb, name, p.Addr(), p.Security)
	if password != "" {
		fmt.Fprintln(r.env.Stdout, "The password is stored in the system keyring.")
	} else if isNew && p.NeedsSecret() {
		fmt.Fprintf(r.env.Stdout, "No password stored yet: add one with 'smtpconf profile save %s --password-stdin'.\n", name)
	}
	return nil
}

func (r *runner) profileDelete(args []string) error {
	fs := newFlags("profile delete")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("profile delete needs exactly one profile name")
	}
	st, err := r.store()
	if err != nil {
		return err
	}
	if _, err := st.Get(pos[0]); err != nil {
		return err
	}
	if err := st.Delete(pos[0]); err != nil {
		return err
	}
	if err := r.secrets().Delete(pos[0]); err != nil {
		fmt.Fprintf(r.env.Stderr, "Warning: the profile was deleted, but its keyring entry could not be removed: %v\n", err)
		var h interface{ Hint() string }
		if errors.As(err, &h) {
			fmt.Fprintf(r.env.Stderr, "Hint: %s\n", h.Hint())
		}
	}
	fmt.Fprintf(r.env.Stdout, "Deleted profile %q.\n", pos[0])
	return nil
}
