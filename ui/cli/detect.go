package cli

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/detect"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// detectView is `detect --json`: the contract fields of detect.Result, plus
// error for an address that could not be used.
type detectView struct {
	detect.Result
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

func (r *runner) detect(args []string) error {
	fs := newFlags("detect")
	asJSON := jsonFlag(fs)
	dnsServer := fs.String("dns-server", "", i18n.L("send every DNS query to this resolver (HOST:PORT)"))
	timeout := fs.Duration("timeout", detect.DefaultTimeout, i18n.L("overall deadline"))
	pos, err := parseArgs(fs, args, oneAddress)
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return usageL("--timeout must be positive, for example 10s.")
	}
	if *dnsServer != "" {
		host, port, err := net.SplitHostPort(*dnsServer)
		p, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || smtp.ValidatePort(p) != nil {
			return usageL("--dns-server {{.Value}}: give HOST:PORT, for example 127.0.0.1:53.", M{"Value": fmt.Sprintf("%q", *dnsServer)})
		}
	}
	ctx, cancel := signalContext()
	defer cancel()
	start := time.Now()
	res, err := detect.Detect(ctx, pos[0], detect.Options{DNSServer: *dnsServer, Timeout: *timeout})
	if err != nil {
		if *asJSON {
			v := detectView{Result: detect.Result{Auth: smtp.AuthAuto, Evidence: []string{err.Error()}}, Error: err.Error()}
			if perr := r.printJSON(v); perr != nil {
				return perr
			}
		}
		fmt.Fprintf(r.env.Stderr, "smtpconf: %s\n", err)
		return exitError{ExitUsage}
	}
	if res.Evidence == nil {
		res.Evidence = []string{}
	}
	if *asJSON {
		if err := r.printJSON(detectView{Result: res, DurationMS: time.Since(start).Milliseconds()}); err != nil {
			return err
		}
	} else {
		if res.OK {
			fmt.Fprintln(r.env.Stdout, i18n.L("Found ({{.Source}}): {{.Server}}, security {{.Security}}, sign-in {{.Auth}}, user name {{.User}}",
				M{"Source": res.Source.Name(), "Server": fmt.Sprintf("%s:%d", res.Host, res.Port), "Security": smtp.SecurityName(res.Security, smtp.Inline),
					"Auth": smtp.AuthName(res.Auth, smtp.Inline), "User": res.Username}))
			if !res.Verified {
				fmt.Fprintln(r.env.Stdout, i18n.L("Warning: the server's certificate does not verify; someone may be impersonating it."))
			}
			if res.Security == smtp.SecurityNone {
				fmt.Fprintln(r.env.Stdout, i18n.L("Warning: this server offers no encryption; the password would cross the network readable."))
			}
		} else {
			fmt.Fprintln(r.env.Stdout, i18n.L("No settings found. Enter the server by hand, or ask your provider."))
		}
		if res.OK {
			fmt.Fprintln(r.env.Stdout, i18n.L("How it was found:"))
		} else {
			fmt.Fprintln(r.env.Stdout, i18n.L("What was tried:"))
		}
		for _, e := range res.Evidence {
			fmt.Fprintf(r.env.Stdout, "  %s\n", e)
		}
	}
	if !res.OK {
		return exitError{ExitConnect}
	}
	return nil
}
