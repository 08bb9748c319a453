package queue

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// owner identifies a runner holding leases: the host, the boot (so PIDs of
// an earlier boot count as gone), the PID namespace (PIDs mean nothing
// across namespaces), the PID and the process's start time (so a reused PID
// is not mistaken for the runner that crashed).
type owner struct {
	Host  string
	Boot  string
	NS    string
	PID   int
	Start uint64
}

// liveness of a lease owner as seen from this process.
type liveness int

const (
	unknown liveness = iota // another host or namespace: trust the lease's expiry
	alive
	gone
)

// selfOwner is worked out on first use, not at start-up: commands that
// never touch the outbox (most of them) should not pay for reading /proc.
var selfOwner = sync.OnceValue(func() owner {
	h, _ := os.Hostname()
	o := owner{Host: h, PID: os.Getpid(), Boot: bootID(), NS: pidNamespace()}
	o.Start, _ = processStart(o.PID)
	return o
})

func self() owner { return selfOwner() }

// String is how the owner is stored: "host=H boot=B ns=N pid=P start=S".
func (o owner) String() string {
	return fmt.Sprintf("host=%s boot=%s ns=%s pid=%d start=%d", clean(o.Host), clean(o.Boot), clean(o.NS), o.PID, o.Start)
}

func clean(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == '=' {
			return '_'
		}
		return r
	}, s)
}

func parseOwner(s string) (owner, bool) {
	var o owner
	seen := 0
	for _, f := range strings.Fields(s) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return o, false
		}
		if v == "-" {
			v = ""
		}
		var err error
		switch k {
		case "host":
			o.Host = v
		case "boot":
			o.Boot = v
		case "ns":
			o.NS = v
		case "pid":
			o.PID, err = strconv.Atoi(v)
		case "start":
			o.Start, err = strconv.ParseUint(v, 10, 64)
		default:
			continue
		}
		if err != nil {
			return o, false
		}
		seen++
	}
	return o, seen == 5 && o.PID > 0
}

// describeOwner is the stored owner for people: "pid 1234 on host".
func describeOwner(s string) string {
	o, ok := parseOwner(s)
	if !ok {
		return s
	}
	return fmt.Sprintf("pid %d on %s", o.PID, o.Host)
}

// check says whether the owner stored as s is alive, gone or unknown.
func (me owner) check(s string) liveness {
	o, ok := parseOwner(s)
	if !ok || o.Host != me.Host || o.Host == "" {
		return unknown
	}
	if o.Boot != "" && me.Boot != "" && o.Boot != me.Boot {
		return gone // same host, an earlier boot: every process of it is gone
	}
	if o.NS != me.NS || o.NS == "" {
		return unknown
	}
	if o.PID == me.PID {
		if o.Start == me.Start {
			return alive
		}
		return gone
	}
	start, err := processStart(o.PID)
	switch {
	case err == errNoProcess:
		return gone
	case err != nil:
		return unknown
	case o.Start != 0 && start != o.Start:
		return gone // the PID was reused by another process
	}
	return alive
}
