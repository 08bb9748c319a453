// Command smtpconf is SMTP Configurator: with no arguments it opens the
// window; with a subcommand it runs the command line over the same core.
package main

import (
	"fmt"
	"os"

	"github.com/smtpconf/smtpconf/ui"
	"github.com/smtpconf/smtpconf/ui/cli"
)

func main() {
	if cli.IsSendmailName(os.Args[0]) { // installed as /usr/sbin/sendmail
		os.Exit(cli.RunSendmail(os.Args[1:], cli.Env{}))
	}
	g, rest, err := cli.SplitGlobals(os.Args[1:])
	if err != nil || len(rest) > 0 {
		os.Exit(cli.Run(os.Args[1:], cli.Env{}))
	}
	// --lang (or $SMTPCONF_LANG) picks the window's language too, over the
	// one saved in its Settings. An unknown one is reported by Run: exit 2.
	forced, err := cli.UseLanguage(g.Lang, g.LangGiven)
	if err != nil {
		os.Exit(cli.Run(os.Args[1:], cli.Env{}))
	}
	if err := ui.Run(g.ConfigDir, ui.RunOptions{ForcedLanguage: forced}); err != nil {
		fmt.Fprintf(os.Stderr, "smtpconf: %v\n", err)
		os.Exit(2)
	}
}
