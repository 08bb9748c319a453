package cli

import (
	"fmt"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// profileEntry is one element of `profile list --json`: the profile and
// whether it is the default one.
type profileEntry struct {
	smtp.Profile
	Default bool `json:"default"`
}

func listView(list []smtp.Profile, def string) []profileEntry {
	out := make([]profileEntry, len(list))
	for i, p := range list {
		out[i] = profileEntry{Profile: p, Default: p.Name == def}
	}
	return out
}

// profileDefault is `profile default [NAME]`: with a name, make it the
// profile the relay and sendmail use when nothing else picks one; without,
// say which one it is. --none clears it.
func (r *runner) profileDefault(args []string) error {
	fs := newFlags("profile default")
	none := fs.Bool("none", false, i18n.L("clear the default profile"))
	asJSON := fs.Bool("json", false, i18n.L("print JSON"))
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 || (*none && len(pos) > 0) {
		return usageL("{{.Command}} takes at most one profile name.", M{"Command": "profile default"})
	}
	st, err := r.store()
	if err != nil {
		return err
	}
	switch {
	case *none:
		if err := st.SetDefault(""); err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintln(r.env.Stdout, i18n.L("No default profile now: the relay and sendmail need --profile, or a sender address that matches a profile."))
		}
	case len(pos) == 1:
		if _, err := getProfile(st, pos[0]); err != nil {
			return err
		}
		if err := st.SetDefault(pos[0]); err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintln(r.env.Stdout, i18n.L("{{.Name}} is now the default profile: the relay and sendmail use it when neither --profile nor the sender's address picks one.",
				M{"Name": fmt.Sprintf("%q", pos[0])}))
		}
	}
	def, err := st.Default()
	if err != nil {
		return err
	}
	if *asJSON {
		return r.printJSON(map[string]string{"default": def})
	}
	if len(pos) == 0 && !*none {
		if def == "" {
			fmt.Fprintln(r.env.Stdout, i18n.L("No default profile is set. Choose one with: {{.Command}}", M{"Command": "smtpconf profile default NAME"}))
		} else {
			fmt.Fprintln(r.env.Stdout, def)
		}
	}
	return nil
}

// parseFromPolicyFlag reads --from-policy; "default" (or "") goes back to
// the preset's policy.
func parseFromPolicyFlag(v string) (smtp.FromPolicy, error) {
	if strings.EqualFold(strings.TrimSpace(v), "default") {
		return "", nil
	}
	p, ok := smtp.ParseFromPolicy(v)
	if !ok {
		return "", usageL("--from-policy {{.Value}}: use one of {{.Choices}}.", M{"Value": fmt.Sprintf("%q", v), "Choices": smtp.FromPolicyChoices + ", default"})
	}
	return p, nil
}

// fromPolicyText says what the profile's policy does, and whether it is
// the provider's default.
func fromPolicyText(p smtp.Profile) string {
	var what string
	switch p.EffectiveFromPolicy() {
	case smtp.FromKeep:
		what = i18n.L("keep (sender and From header as the program gave them)")
	case smtp.FromHeader:
		what = i18n.L("header (the account's address as sender and in From; the original From kept in Reply-To)")
	default:
		what = i18n.L("envelope (the account's address as sender; the From header as given)")
	}
	if p.FromPolicy == "" {
		return i18n.L("{{.Policy}}, the default for this provider", M{"Policy": what})
	}
	return what
}
