package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/relay"
	"github.com/smtpconf/smtpconf/smtp/submit"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// The sendmail command's exit codes (sysexits.h), as the programs that call
// /usr/sbin/sendmail expect them.
const (
	exUsage    = 64 // EX_USAGE: bad flags, no recipient
	exDataErr  = 65 // EX_DATAERR: the message cannot be sent as it is
	exTempFail = 75 // EX_TEMPFAIL: it could not be queued; try again later
)

// IsSendmailName reports whether the program was started through a link
// named sendmail (/usr/sbin/sendmail -> smtpconf): it then behaves as
// `smtpconf sendmail`.
func IsSendmailName(argv0 string) bool {
	return strings.TrimSuffix(filepath.Base(argv0), ".exe") == "sendmail"
}

// RunSendmail runs `smtpconf sendmail ARGS...` and returns the exit code.
func RunSendmail(args []string, env Env) int {
	return Run(append([]string{"sendmail"}, args...), env)
}

// sendmailOpts are the parsed command line of sendmail.
type sendmailOpts struct {
	extract   bool // -t
	keepDots  bool // -i, -oi: a line with a single dot does not end input
	from      string
	fromSet   bool
	fullName  string
	profile   string
	queueOnly bool // -odq: leave delivery to the relay or `queue run`
	verbose   bool
	rcpts     []string
}

// sendmailArgs are the flags that take a value, as Postfix's sendmail
// reads them: -f ADDR and -fADDR alike.
const sendmailArgs = "ABCFLNORVXbefhopqr"

func parseSendmail(args []string) (sendmailOpts, error) {
	var o sendmailOpts
	bad := func(key string, data ...any) (sendmailOpts, error) {
		return o, &sendmailError{code: exUsage, text: i18n.L(key, data...)}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			o.rcpts = append(o.rcpts, args[i+1:]...)
			i = len(args)
			continue
		case a == "--profile" || a == "-profile":
			if i+1 >= len(args) {
				return bad("--profile needs a profile name.")
			}
			o.profile = args[i+1]
			i++
			continue
		case strings.HasPrefix(a, "--profile="):
			o.profile = strings.TrimPrefix(a, "--profile=")
			continue
		case strings.HasPrefix(a, "--"):
			return bad("sendmail does not know the option {{.Option}}.", M{"Option": a})
		case !strings.HasPrefix(a, "-") || a == "-":
			o.rcpts = append(o.rcpts, a)
			continue
		}
		// Clustered single-letter flags, as getopt reads them: -ti, -oi.
	letters:
		for j := 1; j < len(a); j++ {
			c := a[j]
			if !strings.ContainsRune(sendmailArgs, rune(c)) {
				switch c {
				case 't':
					o.extract = true
				case 'i':
					o.keepDots = true
				case 'v':
					o.verbose = true
				case 'm', 'n', 'c', 'U', 'G', 'I', 'x', 'd':
					// accepted and ignored, as Postfix does
				default:
					return bad("sendmail does not know the option {{.Option}}.", M{"Option": "-" + string(c)})
				}
				continue
			}
			val := a[j+1:]
			if val == "" {
				if i+1 >= len(args) {
					return bad("The option {{.Option}} needs a value.", M{"Option": "-" + string(c)})
				}
				i++
				val = args[i]
			}
			switch c {
			case 'f', 'r':
				o.from = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(val), "<"), ">")
			case 'F':
				o.fullName = val
			case 'o':
				switch {
				case val == "i":
					o.keepDots = true
				case val == "dq" || val == "dd":
					o.queueOnly = true
				}
				// -odi, -odb, -oem, -oee, -oep, -oeq and the rest: ignored.
			case 'b':
				if val != "m" {
					return bad("sendmail -b{{.Mode}} is not supported: only delivery mode -bm is (the outbox is listed with {{.Command}}).",
						M{"Mode": val, "Command": "smtpconf queue list"})
				}
			case 'q':
				return bad("sendmail -q is not supported; deliver the outbox with {{.Command}}.", M{"Command": "smtpconf queue run"})
			}
			// -A -B -C -L -N -O -R -V -X -e -h -p: accepted and ignored.
			break letters // the value was the rest of the argument
		}
	}
	return o, nil
}

// sendmailError is a sendmail failure: its exit code and what to say.
type sendmailError struct {
	code int
	text string
}

func (e *sendmailError) Error() string { return e.text }

// readMessage reads the message from r: up to end of input, or without
// keepDots up to a line holding a single dot. Line ends become CRLF; the
// size is bounded by max.
func readMessage(r io.Reader, keepDots bool, limit int64) (msg []byte, tooBig bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out bytes.Buffer
	var total int64
	for {
		line, err := br.ReadBytes('\n')
		if total += int64(len(line)); total > limit {
			return nil, true, nil
		}
		if len(line) > 0 {
			body := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			if !keepDots && string(body) == "." && line[len(line)-1] == '\n' {
				break
			}
			out.Write(body)
			out.WriteString("\r\n")
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
	}
	return out.Bytes(), false, nil
}

func (r *runner) sendmail(args []string) error {
	// Only --help: sendmail's own -h takes a value (the hop count).
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-help") {
		return helpError{helpFor("sendmail", nil)}
	}
	err := r.sendmailRun(args)
	var se *sendmailError
	if errors.As(err, &se) {
		fmt.Fprintf(r.env.Stderr, "smtpconf: %s\n", se.text)
		return exitError{se.code}
	}
	return err
}

func (r *runner) sendmailRun(args []string) error {
	o, err := parseSendmail(args)
	if err != nil {
		return err
	}
	fail := func(code int, key string, data ...any) error {
		return &sendmailError{code: code, text: i18n.L(key, data...)}
	}
	if !o.extract && len(o.rcpts) == 0 {
		return fail(exUsage, "No recipient: give the addresses as arguments, or -t to read them from the To, Cc and Bcc fields.")
	}
	raw, tooBig, err := readMessage(r.env.Stdin, o.keepDots, relay.DefaultMaxSize)
	if tooBig {
		return fail(exDataErr, "The message is larger than {{.Max}} MB; it was not queued.", M{"Max": relay.DefaultMaxSize >> 20})
	}
	if err != nil {
		return fail(exTempFail, "The message could not be read from standard input: {{.Error}}", M{"Error": err.Error()})
	}
	// Cron output and scripts often have lines over the 998 characters SMTP
	// allows; refusing them would lose the mail, so they are re-encoded
	// (quoted-printable, header fields folded), which a reader shows as the
	// same text. What cannot be fitted is refused below, naming the line of
	// the message as it was given.
	if fitted, ok := submit.FitLines(raw); ok && submit.CheckLines(fitted) == nil {
		raw = fitted
	}
	rcpts := o.rcpts
	if o.extract {
		found, err := submit.HeaderRecipients(raw)
		if err != nil {
			return fail(exDataErr, "A recipient field cannot be read: {{.Error}}", M{"Error": err.Error()})
		}
		rcpts = append(rcpts, found...)
		if len(rcpts) == 0 {
			return fail(exDataErr, "-t found no recipient in the To, Cc or Bcc fields.")
		}
	}
	a, err := r.core()
	if err != nil {
		return fail(exTempFail, "The message was not queued: {{.Error}}", M{"Error": errorText(err)})
	}
	e, err := a.Submit(context.Background(), submit.Message{
		From: o.from, To: rcpts, Raw: raw, Origin: queue.OriginSendmail, Profile: o.profile, FromName: o.fullName,
	})
	if err != nil {
		return sendmailSubmitError(err)
	}
	if o.verbose {
		fmt.Fprintln(r.env.Stderr, i18n.L("Queued {{.ID}} for {{.To}} through the profile {{.Profile}}.",
			M{"ID": e.ID, "To": strings.Join(e.To, ", "), "Profile": fmt.Sprintf("%q", e.Profile)}))
	}
	if o.queueOnly {
		return nil
	}
	r.sendmailDeliver(e, o.verbose)
	return nil
}

// sendmailDeliver tries the profile's due messages at once, bounded by the
// profile's timeout. Whatever happens, the message is safe in the outbox:
// a failure leaves it there for the relay, the window or `queue run`.
func (r *runner) sendmailDeliver(e queue.Entry, verbose bool) {
	a, _ := r.core()
	p, err := a.Store().Get(e.Profile)
	if err != nil {
		return
	}
	box, err := a.Outbox()
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.EffectiveTimeout())
	defer cancel()
	cfg := a.QueueConfig()
	cfg.OnlyProfile = e.Profile
	var mine *queue.Outcome
	cfg.OnEvent = func(ev queue.Event) {
		if ev.ID == e.ID && ev.Kind != queue.EventSending {
			oc := ev.Outcome
			mine = &oc
		}
	}
	_, _ = box.Run(ctx, cfg)
	switch {
	case mine != nil && mine.State == queue.Sent:
		if verbose {
			fmt.Fprintln(r.env.Stderr, i18n.L("Sent {{.ID}}: {{.Reply}}", M{"ID": e.ID, "Reply": mine.Reply}))
		}
	case mine != nil && mine.State == queue.Failed:
		fmt.Fprintln(r.env.Stderr, i18n.L("{{.ID}} could not be delivered and stays in the outbox as failed: {{.Error}}", M{"ID": e.ID, "Error": mine.Error}))
	default:
		why := ""
		if mine != nil {
			why = mine.Error
		} else if ctx.Err() != nil {
			why = i18n.L("the server did not answer within {{.Timeout}}", M{"Timeout": p.EffectiveTimeout().String()})
		}
		if why != "" {
			fmt.Fprintln(r.env.Stderr, i18n.L("{{.ID}} is queued and will be sent later ({{.Error}}); the relay, the window or {{.Command}} sends it.",
				M{"ID": e.ID, "Error": why, "Command": "smtpconf queue run"}))
		}
	}
}

// sendmailSubmitError turns a refused submission into an exit code and a
// sentence.
func sendmailSubmitError(err error) error {
	fail := func(code int, key string, data ...any) error {
		return &sendmailError{code: code, text: i18n.L(key, data...)}
	}
	var e *submit.Error
	if !errors.As(err, &e) {
		// The profiles file cannot be read: nothing was queued.
		return fail(exTempFail, "The message was not queued: {{.Error}}", M{"Error": errorText(err)})
	}
	switch e.Problem {
	case submit.NoProfile:
		return fail(exTempFail, "The message was not queued: there is no profile to send it through. Choose a default with {{.Command}}, or pass --profile NAME.",
			M{"Command": "smtpconf profile default NAME"})
	case submit.UnknownProfile:
		return fail(exUsage, "There is no profile {{.Name}}; see {{.Command}}.", M{"Name": fmt.Sprintf("%q", e.Value), "Command": "smtpconf profile list"})
	case submit.BadAddress:
		return fail(exUsage, "{{.Address}} is not a valid email address.", M{"Address": fmt.Sprintf("%q", e.Value)})
	case submit.NoRecipient:
		return fail(exUsage, "No recipient: give the addresses as arguments, or -t to read them from the To, Cc and Bcc fields.")
	case submit.BareLineEnd:
		return fail(exDataErr, "Line {{.Line}} of the message has a carriage return in the middle; the message was not queued.", M{"Line": e.Line})
	case submit.LineTooLong:
		return fail(exDataErr, "Line {{.Line}} of the message is longer than {{.Max}} characters, which mail servers refuse; wrap it (or send it as an attachment) and try again.",
			M{"Line": e.Line, "Max": submit.MaxLineLength})
	}
	return fail(exTempFail, "The message was not queued: {{.Error}}", M{"Error": errorText(e.Err)})
}
