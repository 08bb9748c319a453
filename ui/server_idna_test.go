//go:build !nogui

package ui

import (
	"strings"
	"testing"
)

// The Server step refuses host names that IDNA 2008 does not allow, and
// says why, with the same core validation as the command line (issue 15,
// defect 20).
func TestServerStepRefusesHostsIDNARejects(t *testing.T) {
	h := newHarness(t)
	h.walkProvider("ann@gmail.com", "")
	wz := h.wizard()
	s := wz.server
	for host, why := range map[string]string{
		"smtp.☃.example":   "not allowed in host names",
		"smtp。example。com": "full-width dot",
	} {
		typeInto(s.host.entry, host)
		if !wz.next.Disabled() || !strings.Contains(s.host.msg.Text, why) {
			t.Errorf("host %q: Next disabled=%v, message %q; want it to say %q", host, wz.next.Disabled(), s.host.msg.Text, why)
		}
	}
	typeInto(s.host.entry, "smtp.gmail.com")
	if wz.next.Disabled() {
		t.Errorf("Next stays disabled for a valid host (%q)", s.host.msg.Text)
	}
}
