package cli

import (
	"fmt"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

func (r *runner) presets(args []string) error {
	_, asJSON, err := jsonArgs("presets", args, noArgs)
	if err != nil {
		return err
	}
	list := smtp.Presets()
	if asJSON {
		return r.printJSON(list)
	}
	// Columns are aligned by display width: names such as "QQ邮箱" take
	// two columns per Chinese character.
	rows := [][]string{{i18n.L("PRESET"), i18n.L("NAME"), i18n.L("SERVER"), i18n.L("SECURITY"), i18n.L("DOMAINS")}}
	for _, p := range list {
		server := i18n.L("(you enter it)")
		if p.Host != "" {
			server = fmt.Sprintf("%s:%d", p.Host, p.Port)
		}
		doms := strings.Join(p.Domains, ",")
		if len(doms) > 40 {
			doms = doms[:37] + "..."
		}
		rows = append(rows, []string{p.ID, presetName(p), server, smtp.SecurityName(p.Security, smtp.Inline), doms})
	}
	if err := table(r.env.Stdout, 2, rows); err != nil {
		return err
	}
	// The notes say what to do at the provider (an app password, an
	// authorisation code, where to switch SMTP on): too long for a column.
	idW := 0
	for _, p := range list {
		idW = max(idW, textWidth(p.ID))
	}
	var b strings.Builder
	for _, p := range list {
		note := presetNotes(p)
		if note == "" {
			continue
		}
		lines := wrap(note, 78-idW-4)
		b.WriteString("  " + pad(p.ID, idW+2) + lines[0] + "\n")
		for _, l := range lines[1:] {
			b.WriteString(strings.Repeat(" ", idW+4) + l + "\n")
		}
	}
	if b.Len() > 0 {
		fmt.Fprintf(r.env.Stdout, "\n%s\n%s", i18n.L("Notes:"), b.String())
	}
	return nil
}

// presetName is a preset's name in the person's language.
func presetName(p smtp.Preset) string { return p.LocalName() }

// presetNotes are a preset's notes in the person's language.
func presetNotes(p smtp.Preset) string { return p.LocalNotes() }
