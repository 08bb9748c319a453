package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// The oauth commands: sign a profile in with Google or Microsoft (OAuth2),
// out again, and show whether it is signed in. Tokens live in the keyring
// under NAME#oauth and are never printed.

// oauthStatusJSON is `oauth status --json` (contract: signed_in, account,
// expires; never a token).
type oauthStatusJSON struct {
	SignedIn bool   `json:"signed_in"`
	Account  string `json:"account"`
	Expires  string `json:"expires"`
	// Additions beyond the contract.
	Profile  string `json:"profile"`
	Provider string `json:"provider"`
	Error    string `json:"error,omitempty"`
	Hint     string `json:"hint,omitempty"`
}

func statusJSON(name string, st oauth.Status) oauthStatusJSON {
	j := oauthStatusJSON{SignedIn: st.SignedIn, Account: st.Account, Profile: name, Provider: string(st.Provider)}
	if !st.Expires.IsZero() {
		j.Expires = st.Expires.UTC().Format(time.RFC3339)
	}
	return j
}

// oauthCommands are the subcommands of `oauth`.
var oauthCommands = commands{
	name:    "oauth",
	needed:  "oauth needs a subcommand: {{.Choices}}.",
	unknown: "There is no oauth subcommand {{.Name}}; use one of {{.Choices}}.",
	subs: []subcommand{
		{[]string{"login", "signin", "sign-in"}, (*runner).oauthLogin},
		{[]string{"logout", "signout", "sign-out"}, (*runner).oauthLogout},
		{[]string{"status"}, (*runner).oauthStatus},
		{[]string{"setup"}, (*runner).oauthSetup},
	},
}

func (r *runner) oauth(args []string) error { return r.dispatchTo(oauthCommands, args) }

// oauthProfile parses the arguments of an oauth command (fs has its
// flags, --json among them) and loads the named profile and the run's
// sign-in manager. Bad usage comes back as it is; any other failure has
// been reported already.
func (r *runner) oauthProfile(fs *flag.FlagSet, args []string, asJSON *bool) (*oauth.Manager, smtp.Profile, error) {
	pos, err := parseArgs(fs, args, oneProfile)
	if err != nil {
		return nil, smtp.Profile{}, err
	}
	a, p, err := r.profile(pos[0])
	if err != nil {
		// Reported like every other failure of the command (JSON or hint).
		return nil, p, r.oauthFail(pos[0], err, *asJSON)
	}
	return a.OAuth(), p, nil
}

// oauthJSON is oauthProfile for a command whose one flag is --json.
func (r *runner) oauthJSON(name string, args []string) (*oauth.Manager, smtp.Profile, bool, error) {
	fs, asJSON := jsonFlags(name)
	m, p, err := r.oauthProfile(fs, args, asJSON)
	return m, p, *asJSON, err
}

// oauthFail reports a failure: with --json one object on standard output,
// else the message and its hint on standard error; the exit code names
// what failed (130 for a sign-in stopped with Ctrl+C, as `queue run`).
func (r *runner) oauthFail(name string, err error, asJSON bool) error {
	code := oauthExit(err)
	if errors.Is(err, smtp.ErrNoSuchProfile) {
		code = ExitUsage
	}
	hint := errorHint(err)
	if asJSON {
		if perr := r.printJSON(oauthStatusJSON{Profile: name, Error: err.Error(), Hint: hint}); perr != nil {
			return perr
		}
	} else {
		fmt.Fprintln(r.env.Stderr, "smtpconf: "+i18n.L("Sign-in: {{.Error}}", M{"Error": errorText(err)}))
		if hint != "" {
			fmt.Fprintln(r.env.Stderr, i18n.L("Hint: {{.Hint}}", M{"Hint": hint}))
		}
	}
	if code == ExitOK {
		code = ExitInternal
	}
	return exitError{code}
}

// oauthDone ends the sign-in step of an oauth command, which gave st and
// err: a failure is reported (oauthFail) and, with --json, st is printed.
// more reports that the command goes on to say the outcome to people.
func (r *runner) oauthDone(name string, st oauth.Status, err error, asJSON bool) (more bool, _ error) {
	if err != nil {
		return false, r.oauthFail(name, err, asJSON)
	}
	if asJSON {
		return false, r.printJSON(statusJSON(name, st))
	}
	return true, nil
}

func (r *runner) oauthLogin(args []string) error {
	fs := newFlags("oauth login")
	device := fs.Bool("device", false, i18n.L("sign in with a code on another device instead of this computer's browser"))
	asJSON := jsonFlag(fs)
	timeout := fs.Duration("timeout", 0, i18n.L("how long to wait for the sign-in (default 5m; with --device, until the code expires)"))
	shared, p, err := r.oauthProfile(fs, args, asJSON)
	if err != nil {
		return err
	}
	// A copy: the timeout is this command's, not the wiring's.
	m := *shared
	m.Timeout = *timeout
	id, err := m.ProviderOf(p)
	if err == nil {
		_, err = m.Config(id)
	}
	if err != nil {
		return r.oauthFail(p.Name, err, *asJSON)
	}
	info, _ := oauth.Info(id)
	// With --json, standard output is for the one JSON document.
	out := r.env.Stdout
	if *asJSON {
		out = r.env.Stderr
	}
	fmt.Fprintln(out, i18n.L("Signing in to {{.Provider}} for profile {{.Name}} ...", M{"Provider": info.Name, "Name": fmt.Sprintf("%q", p.Name)}))
	ctx, cancel := signalContext()
	defer cancel()
	var st oauth.Status
	if *device {
		st, err = m.SignInDevice(ctx, p, func(c oauth.DeviceCode) {
			fmt.Fprintln(out, i18n.L("On any device, open {{.URL}} and enter the code {{.Code}}", M{"URL": c.VerificationURL, "Code": c.UserCode}))
			fmt.Fprintln(out, i18n.L("Waiting for you to approve the sign-in (Ctrl+C to cancel) ..."))
		})
	} else {
		st, err = m.SignIn(ctx, p, func(url string, browserErr error) {
			if browserErr != nil {
				fmt.Fprintln(out, i18n.L("Open this address in your browser to sign in:"))
			} else {
				fmt.Fprintln(out, i18n.L("Your browser should open the sign-in page. If it did not, open this address:"))
			}
			fmt.Fprintln(out, "  "+url)
			if browserErr != nil {
				fmt.Fprintln(out, i18n.L("No browser on this computer? Sign in with a code on another device instead: {{.Command}}",
					M{"Command": fmt.Sprintf("smtpconf oauth login %q --device", p.Name)}))
			}
			fmt.Fprintln(out, i18n.L("Waiting for you to finish in the browser (Ctrl+C to cancel) ..."))
		})
	}
	if more, err := r.oauthDone(p.Name, st, err, *asJSON); !more {
		return err
	}
	if st.Account != "" {
		fmt.Fprintln(r.env.Stdout, i18n.L("Signed in as {{.Account}}. The sign-in is kept in the system keyring.", M{"Account": st.Account}))
	} else {
		fmt.Fprintln(r.env.Stdout, i18n.L("Signed in. The sign-in is kept in the system keyring."))
	}
	if p.Auth != smtp.AuthXOAUTH2 {
		fmt.Fprintln(r.env.Stdout, i18n.L("This profile does not use the sign-in yet; switch it with: {{.Command}}",
			M{"Command": fmt.Sprintf("smtpconf profile save %q --auth xoauth2", p.Name)}))
	}
	if p.Username == "" && st.Account != "" {
		fmt.Fprintln(r.env.Stdout, i18n.L("Set the profile's user name to the signed-in address: {{.Command}}",
			M{"Command": fmt.Sprintf("smtpconf profile save %q --username %s", p.Name, st.Account)}))
	}
	return nil
}

func (r *runner) oauthLogout(args []string) error {
	m, p, asJSON, err := r.oauthJSON("oauth logout", args)
	if err != nil {
		return err
	}
	if more, err := r.oauthDone(p.Name, oauth.Status{}, m.SignOut(p.Name), asJSON); !more {
		return err
	}
	fmt.Fprintln(r.env.Stdout, i18n.L("Signed out: the tokens of profile {{.Name}} were removed from the keyring.", M{"Name": fmt.Sprintf("%q", p.Name)}))
	return nil
}

func (r *runner) oauthStatus(args []string) error {
	m, p, asJSON, err := r.oauthJSON("oauth status", args)
	if err != nil {
		return err
	}
	st, err := m.Status(p.Name)
	if err == nil && st.Provider == "" {
		// Not signed in: name the provider the profile would sign in with.
		st.Provider, _ = oauth.ProviderFor(p)
	}
	if more, err := r.oauthDone(p.Name, st, err, asJSON); !more {
		return err
	}
	q := fmt.Sprintf("%q", p.Name)
	if !st.SignedIn {
		fmt.Fprintln(r.env.Stdout, i18n.L("Profile {{.Name}} is not signed in. Sign in with: {{.Command}}",
			M{"Name": q, "Command": fmt.Sprintf("smtpconf oauth login %q", p.Name)}))
		return nil
	}
	info, _ := oauth.Info(st.Provider)
	account := st.Account
	if account == "" {
		account = i18n.L("an unknown account")
	}
	fmt.Fprintln(r.env.Stdout, i18n.L("Profile {{.Name}} is signed in with {{.Provider}} as {{.Account}}.",
		M{"Name": q, "Provider": info.Name, "Account": account}))
	if !st.Expires.IsZero() {
		fmt.Fprintln(r.env.Stdout, i18n.L("The current access token is valid until {{.Time}}; it is renewed automatically.",
			M{"Time": st.Expires.Local().Format("2006-01-02 15:04:05 MST")}))
	}
	return nil
}

// oauthSetup stores a provider's client ID (and secret, tenant) in
// oauth.json, or shows what is configured.
func (r *runner) oauthSetup(args []string) error {
	fs := newFlags("oauth setup")
	clientID := fs.String("client-id", "", i18n.L("the OAuth2 client ID (Application ID) registered with the provider"))
	secretStdin := fs.Bool("client-secret-stdin", false, i18n.L("read the client secret (Google) from standard input"))
	tenant := fs.String("tenant", "", i18n.L("Microsoft: common, consumers, organizations or a tenant ID"))
	clearIt := fs.Bool("clear", false, i18n.L("remove this provider's settings from oauth.json"))
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageL("{{.Command}} needs a provider: {{.Choices}}.", M{"Command": "oauth setup", "Choices": "google, microsoft"})
	}
	id, ok := oauth.ParseProvider(pos[0])
	if !ok {
		return usageL("There is no sign-in provider {{.Name}}; use one of {{.Choices}}.", M{"Name": fmt.Sprintf("%q", pos[0]), "Choices": "google, microsoft"})
	}
	st, err := r.store()
	if err != nil {
		return err
	}
	info, _ := oauth.Info(id)
	if *clientID != "" || *secretStdin || *tenant != "" || *clearIt {
		id0 := strings.TrimSpace(*clientID)
		if err := oauth.ValidateClientID(id0); err != nil {
			return usageError{"--client-id: " + err.Error()}
		}
		tn, err := oauth.ValidateTenant(*tenant)
		if err != nil {
			return usageError{"--tenant: " + err.Error()}
		}
		var secret string
		if *secretStdin {
			line, err := bufio.NewReader(r.env.Stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			secret = strings.TrimSpace(line)
			if err := oauth.ValidateClientSecret(secret); err != nil {
				return usageError{"--client-secret-stdin: " + err.Error()}
			}
		}
		// Read, changed and written under oauth.json's lock: a Save in the
		// window at the same moment is not lost, nor is this.
		err = oauth.UpdateSettings(st.Dir, func(s *oauth.Settings) error {
			ps := s.For(id)
			if *clearIt {
				*ps = oauth.ProviderSettings{}
			}
			if id0 != "" {
				ps.ClientID = id0
			}
			if tn != "" {
				ps.Tenant = tn
			}
			if *secretStdin {
				ps.ClientSecret = secret
			}
			return nil
		})
		if errors.Is(err, oauth.ErrSettings) {
			return r.oauthFail("", &oauth.Error{Kind: oauth.ErrSettings, Provider: id, Err: err}, false)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(r.env.Stdout, i18n.L("Saved the {{.Provider}} sign-in settings in {{.Path}}.", M{"Provider": info.Name, "Path": st.Dir + "/" + oauth.SettingsFile}))
	}
	cfg, err := oauth.ResolveConfig(st.Dir, id, r.env.Getenv)
	if errors.Is(err, oauth.ErrNoClientID) {
		fmt.Fprintln(r.env.Stdout, i18n.L("No client ID is configured for {{.Provider}}. To register one:", M{"Provider": info.Name}))
		for _, l := range registrationHelp(id) {
			fmt.Fprintln(r.env.Stdout, "  "+l)
		}
		return nil
	}
	if err != nil {
		return r.oauthFail("", err, false)
	}
	secret := i18n.L("not set")
	if cfg.ClientSecret != "" {
		secret = i18n.L("set (not shown)")
	}
	rows := [][]string{
		{i18n.L("Client ID:"), cfg.ClientID},
		{i18n.L("Client secret:"), secret},
	}
	if id == oauth.Microsoft {
		rows = append(rows, []string{i18n.L("Tenant:"), cfg.Tenant})
	}
	rows = append(rows,
		[]string{i18n.L("Sign-in page:"), cfg.AuthURL},
		[]string{i18n.L("Token endpoint:"), cfg.TokenURL},
		[]string{i18n.L("Device code endpoint:"), cfg.DeviceURL})
	return table(r.env.Stdout, 2, rows)
}
