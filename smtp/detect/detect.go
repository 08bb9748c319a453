// Package detect finds the SMTP settings for an email address: the built-in
// presets, RFC 6186 SRV records, the provider's autoconfig file, an
// ISPDB-style database, the MX host's provider and, last, probing likely
// servers. Every answer carries evidence: what was asked, what answered,
// what was chosen and why.
//
// The sources that need the network run concurrently; the answer is the
// highest-priority one that succeeded, taken as soon as no source of higher
// priority can still succeed. Priority, highest first:
//
//  1. a preset matched by the address's domain (no network at all);
//  2. SRV _submissions._tcp, then _submission._tcp: published by the domain
//     owner in its own DNS, and checked by connecting;
//  3. the provider's autoconfig file (autoconfig.DOMAIN, then
//     DOMAIN/.well-known): published by the domain owner, not connected to;
//  4. the ISPDB entry for the domain: curated by a third party;
//  5. the MX host's base domain: a preset, else its autoconfig/ISPDB entry;
//  6. probing smtp.DOMAIN, mail.DOMAIN and DOMAIN: a guess, checked by connecting.
//
// A candidate whose certificate does not verify is reported in the evidence
// and ranked below every verified one.
package detect

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

// Source names where an answer came from. The values are part of the
// `detect --json` contract.
type Source string

// The sources of an answer.
const (
	SourcePreset     Source = "preset"
	SourceMX         Source = "mx"
	SourceSRV        Source = "srv"
	SourceAutoconfig Source = "autoconfig"
	SourceProbe      Source = "probe"
)

// ConfigOrigin names who published the clientConfig file an answer was
// read from.
type ConfigOrigin string

// The publishers of a clientConfig file.
const (
	// ConfigProvider is the domain's own autoconfig file (autoconfig.DOMAIN
	// or DOMAIN/.well-known), published by the domain owner.
	ConfigProvider ConfigOrigin = "provider"
	// ConfigISPDB is the ISPDB entry for the domain, curated by a third party.
	ConfigISPDB ConfigOrigin = "ispdb"
)

// DefaultISPDBBase is Thunderbird's public ISPDB; the domain is appended.
const DefaultISPDBBase = "https://live.thunderbird.net/autoconfig/v1.1/"

// DefaultTimeout is the overall deadline when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// maxConfigBytes bounds an autoconfig file.
const maxConfigBytes = 1 << 20

// Options configure detection. The zero value uses the system resolver,
// the system roots, Thunderbird's ISPDB and a 10 s deadline.
type Options struct {
	// DNSServer ("HOST:PORT") receives every DNS query of the detector,
	// including those made by HTTP fetches and probes. Ignored if Resolver is set.
	DNSServer string
	// Resolver replaces the resolver for every name lookup.
	Resolver *net.Resolver
	// RootCAs replaces the system roots for HTTPS and SMTP certificates (tests).
	RootCAs *x509.CertPool
	// ISPDBBase is the ISPDB URL prefix; the domain is appended. "-" disables it.
	ISPDBBase string
	// AllowHTTP lets autoconfig files be fetched, or redirected to, over plain http.
	AllowHTTP bool
	// Timeout is the one overall deadline (default 10 s).
	Timeout time.Duration
	// ProbeStagger is the delay between starting successive probes (default 100 ms).
	ProbeStagger time.Duration
	// PortMap redirects connections: a connection to port k goes to port
	// PortMap[k] instead, after the name was resolved as usual. Tests use it
	// because they cannot bind 443, 465, 587 or 25; everything else
	// (resolution, TLS names, certificate checks) is the production path.
	PortMap map[int]int
	// NoProbe turns probing off.
	NoProbe bool
}

// Result is what detection found. The JSON names are the `detect --json` contract.
type Result struct {
	OK       bool            `json:"ok"`
	Source   Source          `json:"source"`
	Host     string          `json:"host"`
	Port     int             `json:"port"`
	Security smtp.Security   `json:"security"`
	Auth     smtp.AuthMethod `json:"auth"`
	Username string          `json:"username"`
	// PresetID is the matched preset, if the answer is one.
	PresetID string `json:"preset,omitempty"`
	// Verified is false for an answer whose certificate did not verify
	// (an unencrypted answer has none to verify: see Security).
	Verified bool `json:"verified"`
	// Evidence is the technical record of what was asked and what answered
	// ("mx: ...", "probe: ...", server replies, URLs). It stays in English on
	// purpose, like a transcript: it is for support and for searching, and it
	// quotes servers verbatim. The front ends put the answer into words
	// (translated) from the other fields, not from these lines.
	Evidence []string `json:"evidence"`
	// Config is who published the clientConfig file the answer was read
	// from: set for SourceAutoconfig, and for SourceMX when the MX host's
	// base domain was looked up that way; "" otherwise.
	Config ConfigOrigin `json:"config_origin,omitempty"`
	// MXHost is the domain's first MX host, set for SourceMX: the answer
	// is that host's provider.
	MXHost string `json:"mx_host,omitempty"`
	// Elapsed is how long detection took.
	Elapsed time.Duration `json:"-"`
}

// ErrInvalidAddress is returned for an address detection cannot use.
var ErrInvalidAddress = smtp.ErrInvalidAddress

// Detector runs detections and caches successful answers per domain for its
// lifetime (a session). It is safe for concurrent use.
type Detector struct {
	opts     Options
	resolver *net.Resolver
	client   *http.Client

	mu    sync.Mutex
	cache map[string]Result
}

// New makes a Detector.
func New(opts Options) *Detector {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ISPDBBase == "" {
		opts.ISPDBBase = DefaultISPDBBase
	}
	if opts.ProbeStagger <= 0 {
		opts.ProbeStagger = 100 * time.Millisecond
	}
	d := &Detector{opts: opts, cache: map[string]Result{}}
	d.resolver = opts.Resolver
	if d.resolver == nil && opts.DNSServer != "" {
		d.resolver = ResolverFor(opts.DNSServer)
	}
	if d.resolver == nil {
		d.resolver = net.DefaultResolver
	}
	d.client = d.newHTTPClient()
	return d
}

// ResolverFor returns a resolver that sends every query to server ("HOST:PORT").
func ResolverFor(server string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}
}

// Detect runs one detection with a fresh Detector (no cache).
func Detect(ctx context.Context, email string, opts Options) (Result, error) {
	return New(opts).Detect(ctx, email)
}

// Detect finds the settings for email. An error means the address is
// unusable; nothing found is a Result with OK false and the evidence.
func (d *Detector) Detect(ctx context.Context, email string) (Result, error) {
	start := time.Now()
	_, addr, err := smtp.ParseAddress(email)
	if err != nil {
		return Result{}, err
	}
	at := strings.LastIndexByte(addr, '@')
	local := addr[:at]
	if strings.HasPrefix(addr[at+1:], "[") {
		return Result{Auth: smtp.AuthAuto, Evidence: []string{"result: " + addr[at+1:] + " is an address literal; there is no domain to look up"}}, nil
	}
	domain, err := smtp.ASCIIHost(addr[at+1:])
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrInvalidAddress, err)
	}
	domain = strings.ToLower(domain)
	vars := placeholders{email: addr, local: local, domain: domain}

	if p, ok := smtp.PresetForAddress(addr); ok {
		r := presetResult(p, SourcePreset, addr)
		r.Evidence = []string{fmt.Sprintf("preset: the domain %s matches the %s preset (%s); trusted without connecting", domain, p.Name, p.ID)}
		r.Elapsed = time.Since(start)
		return r, nil
	}

	d.mu.Lock()
	cached, ok := d.cache[domain]
	d.mu.Unlock()
	if ok {
		cached.Evidence = append([]string{"cache: answer found earlier in this session for " + domain}, cached.Evidence...)
		cached.Username = vars.expand(cached.Username)
		cached.Elapsed = time.Since(start)
		return cached, nil
	}

	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	r := d.run(ctx, domain, vars)
	r.Elapsed = time.Since(start)
	if r.OK {
		c := r
		c.Evidence = append([]string(nil), r.Evidence...)
		c.Username = vars.template(r.Username)
		d.mu.Lock()
		d.cache[domain] = c
		d.mu.Unlock()
	}
	return r, nil
}

// found is one candidate answer. rank comes before source priority: every
// verified answer beats every plain (unencrypted) one, which beats every
// answer whose certificate did not verify.
type found struct {
	Result
	rank int
}

const (
	rankVerified   = 0
	rankPlain      = 1
	rankUnverified = 2
)

type task func(ctx context.Context) (*found, []string)

func (d *Detector) run(ctx context.Context, domain string, vars placeholders) Result {
	tasks := []task{
		func(ctx context.Context) (*found, []string) { return d.srv(ctx, "submissions", domain, vars) },
		func(ctx context.Context) (*found, []string) { return d.srv(ctx, "submission", domain, vars) },
	}
	tasks = append(tasks, d.configTasks(domain, "", vars)...)
	tasks = append(tasks, func(ctx context.Context) (*found, []string) { return d.mx(ctx, domain, vars) })
	if !d.opts.NoProbe {
		tasks = append(tasks, func(ctx context.Context) (*found, []string) { return d.probe(ctx, domain, vars) })
	}
	best, ev := race(ctx, "sources", tasks, 0, 400*time.Millisecond)
	if best == nil {
		ev = append(ev, "result: nothing found for "+domain)
		return Result{OK: false, Auth: smtp.AuthAuto, Evidence: ev}
	}
	r := best.Result
	r.OK = true
	r.Verified = best.rank != rankUnverified
	why := "the highest-priority source that answered"
	switch best.rank {
	case rankPlain:
		why = "no encrypted candidate answered; this one is UNENCRYPTED"
	case rankUnverified:
		why = "no candidate with a valid certificate answered; this one's certificate did NOT verify"
	}
	ev = append(ev, fmt.Sprintf("result: chose %s:%d (%s) from %s: %s", r.Host, r.Port, r.Security, r.Source, why))
	r.Evidence = ev
	return r
}

// race runs tasks in priority order and returns the best answer: the lowest
// (rank, index). Task i+1 starts stagger after task i, or at once when every
// started task has failed (stagger 0 starts all at once). race returns as
// soon as no unfinished task can beat the best so far, cancelling the rest,
// or when ctx ends, with the best so far. The evidence is that of the
// finished tasks, in task order, and a line about the unfinished ones.
func race(ctx context.Context, label string, tasks []task, stagger, graceAfter time.Duration) (*found, []string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type done struct {
		i  int
		f  *found
		ev []string
	}
	n := len(tasks)
	ch := make(chan done, n)
	results := make([]*found, n)
	evs := make([][]string, n)
	finished := make([]bool, n)
	nfinished, started, running := 0, 0, 0
	var tick *time.Timer
	var tickC <-chan time.Time
	startOne := func() {
		i := started
		started++
		running++
		go func() {
			f, ev := tasks[i](ctx)
			ch <- done{i, f, ev}
		}()
	}
	startNext := func() {
		startOne()
		for stagger <= 0 && started < n {
			startOne()
		}
		tickC = nil
		if started < n {
			if tick == nil {
				tick = time.NewTimer(stagger)
			} else {
				tick.Reset(stagger)
			}
			tickC = tick.C
		}
	}
	defer func() {
		if tick != nil {
			tick.Stop()
		}
	}()
	bestIdx := -1
	better := func(i int) bool {
		if bestIdx < 0 {
			return true
		}
		a, b := results[i], results[bestIdx]
		return a.rank < b.rank || (a.rank == b.rank && i < bestIdx)
	}
	decided := func() bool {
		if bestIdx < 0 {
			return false
		}
		if results[bestIdx].rank != rankVerified {
			return nfinished == n
		}
		for j := 0; j < bestIdx; j++ {
			if !finished[j] {
				return false
			}
		}
		return true
	}
	if n > 0 {
		startNext()
	}
	// After the deadline nothing new starts and the running tasks return
	// promptly (every network step watches ctx); the grace only guards
	// against one that does not.
	var grace <-chan time.Time
	ctxDone := ctx.Done()
	expired := false
loop:
	for !decided() && (running > 0 || (started < n && !expired)) {
		select {
		case r := <-ch:
			running--
			nfinished++
			finished[r.i], results[r.i], evs[r.i] = true, r.f, r.ev
			if r.f != nil && better(r.i) {
				bestIdx = r.i
			}
			if running == 0 && started < n && !expired && !decided() {
				startNext()
			}
		case <-tickC:
			startNext()
		case <-ctxDone:
			ctxDone, tickC, expired = nil, nil, true
			grace = time.After(graceAfter)
		case <-grace:
			break loop
		}
	}
	var ev []string
	for i := range tasks {
		if finished[i] {
			ev = append(ev, evs[i]...)
		}
	}
	if rest := n - nfinished; rest > 0 && label != "" {
		if decided() {
			ev = append(ev, fmt.Sprintf("%s: %d lower-priority checks cancelled: a better answer was found", label, rest))
		} else {
			ev = append(ev, fmt.Sprintf("%s: %d checks not finished by the deadline", label, rest))
		}
	}
	if bestIdx < 0 {
		return nil, ev
	}
	return results[bestIdx], ev
}

func presetResult(p smtp.Preset, src Source, addr string) Result {
	user := addr
	if p.Username != "" {
		user = p.Username
	}
	auth := p.Auth
	if auth == "" {
		auth = smtp.AuthAuto
	}
	return Result{OK: true, Source: src, Host: p.Host, Port: p.Port, Security: p.Security,
		Auth: auth, Username: user, PresetID: p.ID, Verified: true}
}

// dial connects like net.Dialer with the detector's resolver, after applying PortMap.
func (d *Detector) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if p, err := strconv.Atoi(port); err == nil {
		if m, ok := d.opts.PortMap[p]; ok {
			port = strconv.Itoa(m)
		}
	}
	dl := &net.Dialer{Resolver: d.resolver}
	return dl.DialContext(ctx, network, net.JoinHostPort(host, port))
}

// describe shortens an error for an evidence line.
func describe(err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "no answer before the deadline"
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		// Not dnsErr.Error(): it names the system's server even when
		// the query went to Options.DNSServer.
		switch {
		case dnsErr.IsNotFound:
			return "no such name"
		case dnsErr.IsTimeout:
			return "DNS timed out"
		}
		return "DNS lookup of " + dnsErr.Name + " failed: " + dnsErr.Err
	}
	return err.Error()
}
