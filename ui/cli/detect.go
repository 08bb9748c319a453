package cli

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/detect"
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
	asJSON := fs.Bool("json", false, "print JSON")
	dnsServer := fs.String("dns-server", "", "send every DNS query to this resolver (HOST:PORT)")
	timeout := fs.Duration("timeout", detect.DefaultTimeout, "overall deadline")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("detect needs exactly one email address")
	}
	if *timeout <= 0 {
		return usagef("--timeout must be positive, e.g. 10s")
	}
	if *dnsServer != "" {
		host, port, err := net.SplitHostPort(*dnsServer)
		p, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || smtp.ValidatePort(p) != nil {
			return usagef("--dns-server %q: give HOST:PORT, e.g. 127.0.0.1:53", *dnsServer)
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
		return exitError{smtp.ExitUsage}
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
			fmt.Fprintf(r.env.Stdout, "Found (%s): %s:%d, security %s, auth %s, user name %s\n",
				res.Source, res.Host, res.Port, res.Security, res.Auth, res.Username)
			if !res.Verified {
				fmt.Fprintln(r.env.Stdout, "Warning: the server's certificate does not verify; someone may be impersonating it.")
			}
			if res.Security == smtp.SecurityNone {
				fmt.Fprintln(r.env.Stdout, "Warning: this server offers no encryption; the password would cross the network readable.")
			}
		} else {
			fmt.Fprintln(r.env.Stdout, "No settings found. Enter the server by hand, or ask your provider.")
		}
		if res.OK {
			fmt.Fprintln(r.env.Stdout, "How it was found:")
		} else {
			fmt.Fprintln(r.env.Stdout, "What was tried:")
		}
		for _, e := range res.Evidence {
			fmt.Fprintf(r.env.Stdout, "  %s\n", e)
		}
	}
	if !res.OK {
		return exitError{smtp.ExitConnect}
	}
	return nil
}
