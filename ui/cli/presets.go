package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/smtpconf/smtpconf/smtp"
)

func (r *runner) presets(args []string) error {
	fs := newFlags("presets")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("presets takes no arguments")
	}
	list := smtp.Presets()
	if *asJSON {
		return r.printJSON(list)
	}
	w := tabwriter.NewWriter(r.env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tSERVER\tSECURITY\tDOMAINS")
	for _, p := range list {
		server := "(you enter it)"
		if p.Host != "" {
			server = fmt.Sprintf("%s:%d", p.Host, p.Port)
		}
		doms := strings.Join(p.Domains, ",")
		if len(doms) > 40 {
			doms = doms[:37] + "..."
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, server, p.Security, doms)
	}
	return w.Flush()
}
