package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"time"
)

// Report is the outcome of a check or a test send. Its JSON is the contract
// of `smtpconf test --json`.
type Report struct {
	OK         bool     `json:"ok"`
	Stage      Stage    `json:"stage"`
	Code       int      `json:"code"`
	Enhanced   string   `json:"enhanced"`
	Message    string   `json:"message"`
	Hint       string   `json:"hint"`
	Temporary  bool     `json:"temporary"`
	Queued     bool     `json:"queued"`
	QueueID    string   `json:"queue_id"`
	Transcript []string `json:"transcript"`
	DurationMS int64    `json:"duration_ms"`

	// Additions beyond the contract.
	Kind      Kind     `json:"kind,omitempty"`
	Profile   string   `json:"profile,omitempty"`
	Server    string   `json:"server,omitempty"`
	Security  Security `json:"security,omitempty"`
	AuthMech  string   `json:"auth_mechanism,omitempty"`
	From      string   `json:"from,omitempty"`
	To        []string `json:"to,omitempty"`
	MessageID string   `json:"message_id,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
	// Remedy is the fix as data (see Diagnosis.Remedy); each front end
	// words it, and the command line adds it to the hint it prints.
	Remedy Remedy `json:"-"`
}

// CheckReport adds what `check --json` reports about the connection.
type CheckReport struct {
	Report
	TLSVersion     string   `json:"tls_version"`
	TLSCipher      string   `json:"tls_cipher"`
	CertSubject    string   `json:"cert_subject"`
	CertIssuer     string   `json:"cert_issuer"`
	CertNotAfter   string   `json:"cert_not_after"`
	Capabilities   []string `json:"capabilities"`
	AuthMechanisms []string `json:"auth_mechanisms"`
}

func newReport(p Profile) Report {
	r := Report{Profile: p.Name, Security: p.Security, Transcript: []string{}}
	if p.Host != "" {
		r.Server = p.Addr()
	}
	for _, w := range p.Warnings(p.NeedsSecret()) {
		r.Warnings = append(r.Warnings, w.Message)
	}
	return r
}

func (r *Report) finish(err error, p Profile, tr *Transcript, start time.Time) {
	r.DurationMS = time.Since(start).Milliseconds()
	r.Transcript = tr.Lines()
	if r.Transcript == nil {
		r.Transcript = []string{}
	}
	if err == nil {
		r.OK, r.Stage, r.Kind = true, StageDone, KindOK
		return
	}
	d := Diagnose(err, p)
	r.OK = false
	r.Stage, r.Code, r.Enhanced = d.Stage, d.Code, d.Enhanced
	r.Message, r.Hint, r.Temporary, r.Kind, r.Remedy = tr.Scrub(d.Message), tr.Scrub(d.Hint), d.Temporary, d.Kind, d.Remedy
}

// Check connects, secures, greets and authenticates without sending anything.
func Check(ctx context.Context, opts Options) CheckReport {
	start := time.Now()
	if opts.Transcript == nil {
		opts.Transcript = NewTranscript()
	}
	cr := CheckReport{Report: newReport(opts.Profile), Capabilities: []string{}, AuthMechanisms: []string{}}
	s, err := Dial(ctx, opts)
	if s != nil {
		cr.fill(s)
		s.Close()
		cr.Message = s.Greeting
		if s.AuthMech != "" {
			cr.Message += "; AUTH " + s.AuthMech + " accepted"
		}
	}
	cr.finish(err, opts.Profile, opts.Transcript, start)
	if err == nil && opts.Progress != nil {
		opts.Progress(Event{Stage: StageDone, Status: StatusOK, Elapsed: time.Since(start)})
	}
	return cr
}

func (cr *CheckReport) fill(s *Session) {
	cr.AuthMech = s.AuthMech
	if s.Capability != nil {
		cr.Capabilities = s.Capability
	}
	if s.AuthMechs != nil {
		cr.AuthMechanisms = s.AuthMechs
	}
	if st := s.TLSState; st != nil {
		cr.TLSVersion = tls.VersionName(st.Version)
		cr.TLSCipher = tls.CipherSuiteName(st.CipherSuite)
		if len(st.PeerCertificates) > 0 {
			c := st.PeerCertificates[0]
			cr.CertSubject = certName(c.Subject.String(), c)
			cr.CertIssuer = c.Issuer.String()
			cr.CertNotAfter = c.NotAfter.UTC().Format(time.RFC3339)
		}
	}
}

func certName(subject string, c *x509.Certificate) string {
	if subject != "" {
		return subject
	}
	if len(c.DNSNames) > 0 {
		return c.DNSNames[0]
	}
	return ""
}

// Test builds the test message, sends it and reports. The message is
// returned too (nil if it could not be built), so a caller can queue the
// very bytes that were tried.
func Test(ctx context.Context, opts Options, to []string) (Report, *TestMessage) {
	start := time.Now()
	if opts.Transcript == nil {
		opts.Transcript = NewTranscript()
	}
	p := opts.Profile
	r := newReport(p)
	msg, err := BuildTestMessage(p, to, time.Now())
	if err != nil {
		if opts.Progress != nil {
			opts.Progress(Event{Stage: StageSetup, Status: StatusFailed, Detail: err.Error()})
		}
		r.finish(&Error{Stage: StageSetup, Err: err}, p, opts.Transcript, start)
		return r, nil
	}
	r.From, r.To, r.MessageID = msg.From, msg.To, msg.MessageID
	err = Deliver(ctx, opts, msg.Envelope, msg.Bytes, &r)
	r.finish(err, p, opts.Transcript, start)
	if err == nil {
		if opts.Progress != nil {
			opts.Progress(Event{Stage: StageDone, Status: StatusOK, Detail: r.Message, Elapsed: time.Since(start)})
		}
	}
	return r, msg
}

// Deliver opens a session, sends one message and closes it. On success
// r.Message (if r is not nil) holds the server's final reply.
func Deliver(ctx context.Context, opts Options, env Envelope, msg []byte, r *Report) error {
	s, err := Dial(ctx, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	if r != nil {
		r.AuthMech = s.AuthMech
	}
	reply, err := s.Send(ctx, env.From, env.To, msg)
	if err != nil {
		return err
	}
	if r != nil {
		r.Message = reply
	}
	return nil
}

// FailedReport is the report of a failure that happened before any
// connection (unknown profile, invalid settings, no keyring): stage "setup".
func FailedReport(p Profile, err error) Report {
	r := Report{Profile: p.Name, Transcript: []string{}}
	if _, ok := err.(*Error); !ok {
		err = &Error{Stage: StageSetup, Err: err}
	}
	d := Diagnose(err, p)
	r.Stage, r.Message, r.Hint, r.Kind, r.Remedy = d.Stage, d.Message, d.Hint, d.Kind, d.Remedy
	return r
}
