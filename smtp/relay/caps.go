package relay

import (
	"bytes"
	"context"
	"net"
	"slices"
	"strings"
	"sync"

	"github.com/smtpconf/smtpconf/smtp"
)

// upstreamCaps is what the relay may pass through: an extension is offered
// to local clients only when every profile the relay may send through
// offers it, as the check at start found. Unknown counts as not offered.
type upstreamCaps struct {
	eightBit bool // 8BITMIME
	smtputf8 bool // SMTPUTF8
}

// checkUpstream connects to the server of each profile the relay may use
// (its --profile, else every profile) at once, reads its EHLO extensions
// and hangs up: nothing is sent.
func (s *Server) checkUpstream(ctx context.Context) upstreamCaps {
	var profiles []smtp.Profile
	if s.cfg.Profile != "" {
		if p, err := s.a.Store().Get(s.cfg.Profile); err == nil {
			profiles = []smtp.Profile{p}
		}
	} else if list, err := s.a.Store().List(); err == nil {
		profiles = list
	}
	if len(profiles) == 0 {
		return upstreamCaps{}
	}
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
	c := upstreamCaps{eightBit: true, smtputf8: true}
	for i, r := range results {
		if f := s.cfg.OnUpstream; f != nil {
			f(profiles[i].Name, r.caps, r.err)
		}
		c.eightBit = c.eightBit && r.err == nil && hasExt(r.caps, "8BITMIME")
		c.smtputf8 = c.smtputf8 && r.err == nil && hasExt(r.caps, "SMTPUTF8")
	}
	return c
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

// filterListener hands out connections that drop the 8BITMIME line from
// the EHLO reply when the upstream servers do not all offer it: go-smtp
// always advertises it. go-smtp writes and flushes each reply line on its
// own, so the line is one Write. After STARTTLS the bytes written here are
// encrypted and pass unchanged (go-smtp's list applies).
type filterListener struct {
	net.Listener
	caps upstreamCaps
}

func (l *filterListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil || l.caps.eightBit {
		return c, err
	}
	return &filterConn{Conn: c}, nil
}

type filterConn struct{ net.Conn }

var eightBitLine = []byte("250-8BITMIME\r\n")

func (c *filterConn) Write(p []byte) (int, error) {
	if bytes.Equal(p, eightBitLine) {
		return len(p), nil
	}
	return c.Conn.Write(p)
}
