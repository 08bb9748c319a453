package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/relay"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// relayFlags are the flags of `relay` (and of `relay install`, which puts
// them in the unit's command line).
type relayFlags struct {
	profile, listen       *string
	requireAuth, startTLS *bool
	maxSize               *int64
	maxRecipients         *int
}

func addRelayFlags(fs *flag.FlagSet) relayFlags {
	return relayFlags{
		profile:       fs.String("profile", "", i18n.L("send every message through this profile")),
		listen:        fs.String("listen", relay.DefaultListen, i18n.L("address to listen on")),
		requireAuth:   fs.Bool("require-auth", false, i18n.L("ask clients for the relay credential")),
		startTLS:      fs.Bool("starttls", false, i18n.L("offer STARTTLS with the app's certificate")),
		maxSize:       fs.Int64("max-size", relay.DefaultMaxSize, i18n.L("largest message in bytes")),
		maxRecipients: fs.Int("max-recipients", relay.DefaultMaxRecipients, i18n.L("most recipients per message")),
	}
}

// relayCommands are the subcommands of `relay`; without one, it runs.
var relayCommands = commands{
	name:    "relay",
	unknown: "There is no relay subcommand {{.Name}}; use one of {{.Choices}}.",
	subs: []subcommand{
		{[]string{"install"}, (*runner).relayInstall},
		{[]string{"uninstall"}, (*runner).relayUninstall},
		{[]string{"credentials", "credential"}, (*runner).relayCredentials},
	},
}

func (r *runner) relay(args []string) error {
	if len(args) > 0 {
		if run, ok := relayCommands.find(args[0]); ok {
			return run(r, args[1:])
		}
	}
	fs := newFlags("relay")
	rf := addRelayFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return relayCommands.noSuch(pos[0])
	}
	a, err := r.core()
	if err != nil {
		return err
	}
	var mu sync.Mutex // one log line at a time
	logf := func(key string, data ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(r.env.Stderr, i18n.L(key, data...))
	}
	logRunner := *r
	logRunner.env.Stdout = r.env.Stderr
	cfg := relay.Config{
		Listen: *rf.listen, Profile: *rf.profile, RequireAuth: *rf.requireAuth, STARTTLS: *rf.startTLS,
		MaxSize: *rf.maxSize, MaxRecipients: *rf.maxRecipients, RunWorker: true,
		OnAccepted: func(e queue.Entry, remote string) {
			logf("accepted  {{.ID}} from {{.Remote}}: {{.From}} to {{.To}}, {{.Size}} bytes, through {{.Profile}}",
				M{"ID": e.ID, "Remote": remote, "From": e.From, "To": strings.Join(e.To, ", "), "Size": e.Size, "Profile": e.Profile})
		},
		OnRefused: func(remote string, code int, text string) {
			logf("refused   {{.Remote}}: {{.Code}} {{.Text}}", M{"Remote": remote, "Code": code, "Text": text})
		},
		OnUpstream: func(profile string, ext []string, err error) {
			if err != nil {
				logf("Profile {{.Profile}}: its server could not be checked ({{.Error}}); until it answers, 8-bit messages for it are re-encoded as quoted-printable and SMTPUTF8 is refused. It is checked again later.",
					M{"Profile": profile, "Error": err.Error()})
				return
			}
			logf("Profile {{.Profile}}: its server offers {{.Extensions}}.", M{"Profile": profile, "Extensions": strings.Join(ext, ", ")})
		},
		OnDelivery: func(e queue.Event) {
			mu.Lock()
			defer mu.Unlock()
			logRunner.printOutcome(e)
		},
		OnWorkerError: func(err error) {
			logf("The outbox could not be read for delivery: {{.Error}}; trying again shortly.", M{"Error": errorText(err)})
		},
	}
	ctx, cancel := signalContext()
	defer cancel()
	srv, err := relay.Start(ctx, a, cfg)
	if err != nil {
		return r.relayStartError(err)
	}
	cfg = srv.Config()
	if cfg.Profile != "" {
		logf("Relay listening on {{.Addr}}; every message goes through the profile {{.Profile}}.", M{"Addr": srv.Addr(), "Profile": fmt.Sprintf("%q", cfg.Profile)})
	} else {
		def, _ := a.Store().Default()
		if def == "" {
			def = i18n.L("none set")
		}
		logf("Relay listening on {{.Addr}}; each message goes through the profile of its sender's address, else the default profile ({{.Default}}).",
			M{"Addr": srv.Addr(), "Default": def})
	}
	if cfg.RequireAuth {
		logf("Clients log in as {{.User}}; show the password with: {{.Command}}", M{"User": relay.CredentialUser, "Command": "smtpconf relay credentials"})
	}
	select {
	case <-ctx.Done():
	case <-srv.Done():
	}
	logf("Stopping: no new messages are taken; waiting for those being stored.")
	sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		logf("The relay stopped with an error: {{.Error}}", M{"Error": err.Error()})
		return exitError{ExitInternal}
	}
	logf("Relay stopped.")
	return nil
}

// relayStartError explains why the relay could not start: exit 2.
func (r *runner) relayStartError(err error) error {
	var le *relay.ListenError
	switch {
	case errors.Is(err, relay.ErrExposed):
		return usageL("The relay listens on an address other computers can reach only with both --require-auth and --starttls; without them it stays on 127.0.0.1.")
	case errors.As(err, &le):
		fmt.Fprintln(r.env.Stderr, "smtpconf: "+i18n.L("The relay cannot listen on {{.Addr}}: {{.Error}}", M{"Addr": le.Addr, "Error": le.Err.Error()}))
		fmt.Fprintln(r.env.Stderr, i18n.L("Hint: {{.Hint}}", M{"Hint": i18n.L("Another program may use that port (is a relay already running?); choose another with --listen 127.0.0.1:PORT.")}))
		return exitError{ExitUsage}
	}
	var oe *queue.OpenError
	if errors.As(err, &oe) || errors.Is(err, queue.ErrSettings) {
		return r.queueError(err)
	}
	return err
}

// relayCredentials prints the relay credential, making it first if needed.
func (r *runner) relayCredentials(args []string) error {
	_, a, asJSON, err := r.coreJSON("relay credentials", args, noArgs)
	if err != nil {
		return err
	}
	user, pass, err := relay.Credential(a.Secrets(), true)
	if err != nil {
		return err
	}
	if asJSON {
		return r.printJSON(map[string]string{"user": user, "password": pass})
	}
	fmt.Fprintln(r.env.Stdout, i18n.L("The relay credential (for programs that log in to the relay started with --require-auth; it is not your mail account's password):"))
	return table(r.env.Stdout, 2, [][]string{{i18n.L("User name:"), user}, {i18n.L("Password:"), pass}})
}

// relayService is the systemd unit of this binary and config directory.
func (r *runner) relayService(relayArgs []string) (relay.Service, error) {
	a, err := r.core()
	if err != nil {
		return relay.Service{}, err
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return relay.Service{}, err
	}
	args := append([]string{"--config-dir", a.Dir(), "relay"}, relayArgs...)
	return relay.Service{Binary: exe, Args: args, Getenv: r.env.Getenv}, nil
}

// serviceChange installs or uninstalls (change) the unit that runs the
// relay with relayArgs; a failure is said with the sentence failed (which
// takes {{.Error}}) and exits 2.
func (r *runner) serviceChange(relayArgs []string, change func(relay.Service, context.Context) (relay.ServiceResult, error), failed string) (relay.ServiceResult, error) {
	svc, err := r.relayService(relayArgs)
	if err != nil {
		return relay.ServiceResult{}, err
	}
	res, err := change(svc, context.Background())
	if err != nil {
		fmt.Fprintln(r.env.Stderr, "smtpconf: "+i18n.L(failed, M{"Error": err.Error()}))
		return res, exitError{ExitUsage}
	}
	return res, nil
}

func (r *runner) relayInstall(args []string) error {
	fs := newFlags("relay install")
	rf := addRelayFlags(fs)
	if _, err := parseArgs(fs, args, noArgs); err != nil {
		return err
	}
	// The unit runs the flags that were given, checked now rather than
	// failing at every boot.
	var relayArgs []string
	fs.Visit(func(f *flag.Flag) { relayArgs = append(relayArgs, "--"+f.Name+"="+f.Value.String()) })
	if !relay.Loopback(*rf.listen) && !(*rf.requireAuth && *rf.startTLS) {
		return r.relayStartError(relay.ErrExposed)
	}
	if *rf.profile != "" {
		st, err := r.store()
		if err != nil {
			return err
		}
		if _, err := getProfile(st, *rf.profile); err != nil {
			return err
		}
	}
	res, err := r.serviceChange(relayArgs, relay.Service.Install, "The service could not be installed: {{.Error}}")
	if err != nil {
		return err
	}
	fmt.Fprintln(r.env.Stdout, i18n.L("Wrote {{.File}}.", M{"File": res.Path}))
	if res.Done {
		fmt.Fprintln(r.env.Stdout, i18n.L("The relay runs now as a service of your user and starts with your session. See its log with: {{.Command}}",
			M{"Command": "journalctl --user -u " + relay.UnitName}))
		return nil
	}
	r.manualSteps(res)
	fmt.Fprintln(r.env.Stdout, i18n.L("Without systemd, start the relay from your session's autostart or a @reboot cron line: {{.Command}}",
		M{"Command": "smtpconf relay"}))
	return nil
}

func (r *runner) relayUninstall(args []string) error {
	if _, err := parseArgs(newFlags("relay uninstall"), args, noArgs); err != nil {
		return err
	}
	res, err := r.serviceChange(nil, relay.Service.Uninstall, "The service could not be removed: {{.Error}}")
	if err != nil {
		return err
	}
	if !res.Changed {
		fmt.Fprintln(r.env.Stdout, i18n.L("The relay service is not installed ({{.File}} does not exist); nothing to do.", M{"File": res.Path}))
		return nil
	}
	fmt.Fprintln(r.env.Stdout, i18n.L("Removed {{.File}}.", M{"File": res.Path}))
	if res.Done {
		fmt.Fprintln(r.env.Stdout, i18n.L("The relay service is stopped and disabled."))
		return nil
	}
	r.manualSteps(res)
	return nil
}

// manualSteps says what systemctl could not do, and what to run instead.
func (r *runner) manualSteps(res relay.ServiceResult) {
	fmt.Fprintln(r.env.Stdout, i18n.L("systemd was not told: {{.Why}}", M{"Why": res.Why}))
	fmt.Fprintln(r.env.Stdout, i18n.L("Where systemd runs for your user, finish with:"))
	for _, c := range res.Manual {
		fmt.Fprintln(r.env.Stdout, "  "+c)
	}
}
