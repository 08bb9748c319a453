package relay

import (
	"bytes"
	"context"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

// What the relay offers depends on the servers it sends through:
//
//   - 8BITMIME. The relay always takes 8-bit messages, and converts the
//     8-bit parts of a message to quoted-printable (submit.Downgrade8Bit,
//     as Postfix does and RFC 6152 allows) when its profile's server is not
//     known to offer 8BITMIME: a reader decodes the same text, and no
//     message is refused or lost for it. Clients send 8-bit text whatever
//     the EHLO reply says (swaks, smtplib's sendmail, PHP), so refusing
//     BODY=8BITMIME would not keep 8-bit data out, only lose mail. Where the
//     relay can, it also leaves 8BITMIME out of its EHLO reply, so that a
//     careful client encodes (and signs) its message itself: on a clear
//     connection (filterConn). go-smtp has no per-connection list, and
//     after STARTTLS its reply is encrypted, so there the relay's
//     conversion applies alone.
//   - SMTPUTF8 cannot be converted: non-ASCII addresses have no 7-bit
//     form. The relay answers MAIL ... SMTPUTF8 with 550 5.6.7 when the
//     profile's server does not offer it (RFC 6531's X.6.7), 451 while that is
//     not known yet, and a non-ASCII recipient with 553 5.6.7; it leaves
//     SMTPUTF8 out of a clear EHLO reply unless every profile's server
//     offers it.
//
// A server counts as offering nothing until a check reached it. The check
// at start is bounded (Config.CheckTimeout); a server it could not reach
// is checked again after the relay delivered through it, and every
// RecheckInterval (doubling up to maxRecheck) until one answers.

// maxRecheck bounds the wait between checks of a server not reached yet.
const maxRecheck = 15 * time.Minute

// upstreamCaps is what a profile's server offers that the relay passes on.
type upstreamCaps struct {
	eightBit bool // 8BITMIME
	smtputf8 bool // SMTPUTF8
}

// upstream is what the relay knows of its profiles' servers.
type upstream struct {
	mu    sync.Mutex
	known map[string]upstreamCaps // by profile: the servers a check reached
	// offered is what a clear EHLO reply offers: what every profile the
	// relay may use is known to offer.
	offered atomic.Pointer[upstreamCaps]
	kick    chan struct{} // asks the checker to check the unknown servers now
	stop    context.CancelFunc
	done    chan struct{}
}

// caps returns what the server of this profile is known to offer, and
// whether it is known.
func (u *upstream) caps(profile string) (upstreamCaps, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	c, ok := u.known[profile]
	return c, ok
}

// recheck asks for the unknown servers to be checked soon (it does not
// wait, and requests made while one is pending are one).
func (u *upstream) recheck() {
	select {
	case u.kick <- struct{}{}:
	default:
	}
}

// relayProfiles are the profiles the relay may send through: its
// --profile, else every profile.
func (s *Server) relayProfiles() []smtp.Profile {
	if s.cfg.Profile != "" {
		if p, err := s.a.Store().Get(s.cfg.Profile); err == nil {
			return []smtp.Profile{p}
		}
		return nil
	}
	list, _ := s.a.Store().List()
	return list
}

// checkUpstream connects to the servers of these profiles at once, reads
// their EHLO extensions and hangs up (nothing is sent), records what it
// learnt and works out what a clear EHLO reply offers. report says whether
// to tell OnUpstream of failures too (the check at start) or of servers
// reached only (the checks after it, which repeat).
func (s *Server) checkUpstream(ctx context.Context, profiles []smtp.Profile, report bool) {
	type result struct {
		caps []string
		err  error
	}
	results := make([]result, len(profiles))
	var wg sync.WaitGroup
	for i, p := range profiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess, err := smtp.Dial(ctx, s.sessionOptions(p))
			if err != nil {
				results[i].err = err
				return
			}
			results[i].caps = sess.Capability
			sess.Close()
		}()
	}
	wg.Wait()
	s.up.mu.Lock()
	for i, r := range results {
		if r.err == nil {
			s.up.known[profiles[i].Name] = upstreamCaps{eightBit: hasExt(r.caps, "8BITMIME"), smtputf8: hasExt(r.caps, "SMTPUTF8")}
		}
	}
	s.up.mu.Unlock()
	for i, r := range results {
		if f := s.cfg.OnUpstream; f != nil && (report || r.err == nil) {
			f(profiles[i].Name, r.caps, r.err)
		}
	}
	s.updateOffered(s.relayProfiles())
}

// updateOffered works out what a clear EHLO reply offers: an extension
// every one of these profiles' servers is known to offer.
func (s *Server) updateOffered(profiles []smtp.Profile) {
	off := upstreamCaps{eightBit: len(profiles) > 0, smtputf8: len(profiles) > 0}
	s.up.mu.Lock()
	for _, p := range profiles {
		c := s.up.known[p.Name]
		off.eightBit = off.eightBit && c.eightBit
		off.smtputf8 = off.smtputf8 && c.smtputf8
	}
	s.up.mu.Unlock()
	s.up.offered.Store(&off)
}

// unknownProfiles are the profiles the relay may use whose server no check
// has reached.
func (s *Server) unknownProfiles() []smtp.Profile {
	all := s.relayProfiles()
	s.up.mu.Lock()
	defer s.up.mu.Unlock()
	return slices.DeleteFunc(all, func(p smtp.Profile) bool {
		_, ok := s.up.known[p.Name]
		return ok
	})
}

// startChecks runs the first check, bounded by CheckTimeout, then checks
// the servers it could not reach in the background until Shutdown.
func (s *Server) startChecks(ctx context.Context) {
	s.up.known = map[string]upstreamCaps{}
	s.up.kick = make(chan struct{}, 1)
	cctx, cancel := context.WithTimeout(ctx, s.cfg.CheckTimeout)
	s.checkUpstream(cctx, s.relayProfiles(), true)
	cancel()

	lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.up.stop, s.up.done = stop, make(chan struct{})
	go func() {
		defer close(s.up.done)
		wait := s.cfg.RecheckInterval
		t := time.NewTimer(wait)
		defer t.Stop()
		for {
			kicked := false
			select {
			case <-lctx.Done():
				return
			case <-s.up.kick:
				kicked = true
			case <-t.C:
			}
			unknown := s.unknownProfiles()
			if len(unknown) > 0 {
				cctx, cancel := context.WithTimeout(lctx, s.cfg.CheckTimeout)
				s.checkUpstream(cctx, unknown, false)
				cancel()
			} else {
				// A profile may have been removed: what is offered may grow.
				s.updateOffered(s.relayProfiles())
			}
			switch {
			case kicked || len(s.unknownProfiles()) == 0:
				wait = s.cfg.RecheckInterval
			default:
				wait = min(2*wait, maxRecheck)
			}
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
			t.Reset(wait)
		}
	}()
}

// stopChecks ends the background checks.
func (s *Server) stopChecks() {
	if s.up.stop != nil {
		s.up.stop()
		<-s.up.done
	}
}

// sessionOptions are the options of a connection to p's server: the
// worker's, with its adjustments (Config.Queue: trust roots in tests), since
// the check talks to the same servers.
func (s *Server) sessionOptions(p smtp.Profile) smtp.Options {
	qc := s.a.QueueConfig()
	if s.cfg.Queue != nil {
		s.cfg.Queue(&qc)
	}
	opts := qc.SendOptions(p)
	opts.Profile = p
	if qc.Options != nil {
		qc.Options(&opts)
	}
	return opts
}

func hasExt(caps []string, ext string) bool {
	return slices.ContainsFunc(caps, func(c string) bool {
		f := strings.Fields(c)
		return len(f) > 0 && strings.EqualFold(f[0], ext)
	})
}

// filterListener hands out connections that drop the 8BITMIME and SMTPUTF8
// lines from a clear EHLO reply when the servers do not all offer them
// (upstream.offered): go-smtp lists both whenever it is set up to accept
// them. go-smtp writes and flushes each reply line on its own, so a line
// is one Write; neither is the last line of the reply (SIZE follows).
// After STARTTLS the bytes written here are encrypted and pass unchanged.
type filterListener struct {
	net.Listener
	up *upstream
}

func (l *filterListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	return &filterConn{Conn: c, up: l.up}, nil
}

type filterConn struct {
	net.Conn
	up *upstream
}

var (
	eightBitLine = []byte("250-8BITMIME\r\n")
	smtputf8Line = []byte("250-SMTPUTF8\r\n")
)

func (c *filterConn) Write(p []byte) (int, error) {
	if len(p) == len(eightBitLine) || len(p) == len(smtputf8Line) {
		off := c.up.offered.Load()
		if (!off.eightBit && bytes.Equal(p, eightBitLine)) || (!off.smtputf8 && bytes.Equal(p, smtputf8Line)) {
			return len(p), nil
		}
	}
	return c.Conn.Write(p)
}
