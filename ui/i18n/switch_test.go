package i18n

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// TestSwitchWhileTranslating switches the language over and over, as the
// Settings do on the UI thread, while other goroutines translate the way a
// send, the outbox worker and detection do. Run it with -race: without the
// lock around Fyne's translations it is a data race.
func TestSwitchWhileTranslating(t *testing.T) {
	Load()
	t.Cleanup(func() { Use("en") })
	want := map[string]string{"en": "Back", "zh": "上一步"}
	wantN := map[string]string{"en": "Outbox (3)", "zh": "发件箱（3）"}
	const plural = "Nothing is due yet: {{.Count}} messages waiting, the next at {{.Time}}."
	oneOf := func(got string, m map[string]string) bool { return got == m["en"] || got == m["zh"] }

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad sync.Map        // what went wrong, reported once the goroutines stopped
	var rounds atomic.Int64 // translations done, to interleave them with the switches
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if got := L("Back"); !oneOf(got, want) {
					bad.Store("L(Back) = "+got, true)
				}
				if got := N("Outbox ({{.Count}})", 3); !oneOf(got, wantN) {
					bad.Store("N(Outbox) = "+got, true)
				}
				if got := l10n.L("Back"); !oneOf(got, want) {
					bad.Store("l10n.L(Back) = "+got, true)
				}
				if got := l10n.N(plural, 1, map[string]any{"Time": "12:00"}); got == "" || got == plural {
					bad.Store("l10n.N = "+got, true)
				}
				_ = Current()
				rounds.Add(1)
			}
		}()
	}
	for i := 0; i < 50; i++ {
		// Let the others translate between two switches.
		for r := rounds.Load(); rounds.Load() < r+4; {
			runtime.Gosched()
		}
		code := []string{"zh", "en"}[i%2]
		if !Use(code) {
			t.Fatalf("Use(%q) refused", code)
		}
		if Current() != code {
			t.Errorf("after Use(%q) the language is %q", code, Current())
		}
		if got := L("Back"); got != want[code] {
			t.Errorf("after Use(%q), L(Back) = %q, want %q", code, got, want[code])
		}
		if got := l10n.L("Back"); got != want[code] {
			t.Errorf("after Use(%q), l10n.L(Back) = %q, want %q", code, got, want[code])
		}
	}
	close(stop)
	wg.Wait()
	bad.Range(func(k, _ any) bool { t.Error(k); return true })
}
