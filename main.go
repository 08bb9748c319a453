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
	configDir, rest, err := cli.SplitGlobal(os.Args[1:])
	if err != nil || len(rest) > 0 {
		os.Exit(cli.Run(os.Args[1:], cli.Env{}))
	}
	if err := ui.Run(configDir); err != nil {
		fmt.Fprintf(os.Stderr, "smtpconf: %v\n", err)
		os.Exit(2)
	}
}
