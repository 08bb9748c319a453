//go:build !nogui

package ui

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/ui/i18n"
)

// fontChecksSettled counts, per window, the font checks that came to a
// decision (see Deps.fontCheckSettled), in every window the harness opens.
// The count is only touched on the UI thread, which in the harness is the
// test's goroutine.
func fontChecksSettled() (harnessOption, func(m *mainUI) int) {
	n := map[*mainUI]int{}
	count := withDeps(func(d *Deps) { d.fontCheckSettled = func(m *mainUI) { n[m]++ } })
	return count, func(m *mainUI) int { return n[m] }
}

// withCJKFont answers the font check with has.
func withCJKFont(has func() bool) harnessOption {
	return withDeps(func(d *Deps) { d.HasCJKFont = has })
}

func TestCJKNoticeDecision(t *testing.T) {
	calls := 0
	has := func(v bool) func() bool { return func() bool { calls++; return v } }
	for _, c := range []struct {
		needed, shown, font, want bool
	}{
		{true, false, false, true},
		{true, false, true, false},
		{true, true, false, false},
		{false, false, false, false},
	} {
		if got := cjkNotice(c.needed, c.shown, has(c.font)); got != c.want {
			t.Errorf("cjkNotice(needed %v, shown %v, font %v) = %v", c.needed, c.shown, c.font, got)
		}
	}
	if calls != 2 {
		t.Errorf("the font check ran %d times; it must only run when a notice could follow", calls)
	}
}

func TestCJKNoticeShownOnceWithoutFont(t *testing.T) {
	inEnglish(t)
	var checks atomic.Int32
	noFont := withCJKFont(func() bool { checks.Add(1); return false })
	count, settled := fontChecksSettled()
	h := newHarness(t, noFont, count)
	h.waitFor("the font check of the new window", 5*time.Second, func() bool { return settled(h.m) > 0 })
	if checks.Load() != 0 || h.m.fontNotice != nil {
		t.Fatal("the font was checked for an English window with no Chinese in it")
	}
	h.m.onSettings()
	h.chooseLanguage("简体中文")
	h.waitFor("the font notice", 5*time.Second, func() bool { return h.m.fontNotice != nil })
	if !h.app.Preferences().Bool(prefCJKNoticeShown) {
		t.Error("the notice was not remembered")
	}

	// Not again: neither in this window nor in the next.
	h.m.fontNotice = nil
	before := settled(h.m)
	h.chooseLanguage("English")
	h.chooseLanguage("简体中文")
	h.waitFor("the font checks of the switches", 5*time.Second, func() bool { return settled(h.m) >= before+2 })
	if h.m.fontNotice != nil {
		t.Error("the notice was shown again after switching languages")
	}
	h.m.shutdown()
	h.open()
	h.waitFor("the font check of the reopened window", 5*time.Second, func() bool { return settled(h.m) > 0 })
	if h.m.fontNotice != nil {
		t.Error("the notice was shown twice")
	}
	if n := checks.Load(); n != 1 {
		t.Errorf("the fonts were checked %d times; once is enough", n)
	}
}

func TestCJKFontFoundShowsNothing(t *testing.T) {
	inEnglish(t)
	i18n.Use("zh")
	count, settled := fontChecksSettled()
	h := newHarness(t, withCJKFont(func() bool { return true }), count)
	h.waitFor("the font check", 5*time.Second, func() bool { return settled(h.m) > 0 })
	if h.m.fontNotice != nil || h.app.Preferences().Bool(prefCJKNoticeShown) {
		t.Error("a notice was shown although a Chinese font was found")
	}
}
