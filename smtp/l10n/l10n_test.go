package l10n

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"zh_CN.UTF-8": "zh", "zh_SG": "zh", "zh-Hans": "zh", "zh_TW": "zh", "zh": "zh",
		"en_GB.UTF-8": "en", "en": "en", "C": "", "POSIX": "", "": "", "de_DE": "", "xx-!!": "",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSystemLanguage(t *testing.T) {
	for _, c := range []struct{ lcAll, lang, language, want string }{
		{"", "zh_CN.UTF-8", "", "zh"},
		{"", "zh_SG.UTF-8", "", "zh"},
		{"en_US.UTF-8", "zh_CN.UTF-8", "", "en"},
		{"", "C", "zh_CN", "en"}, // LANGUAGE is ignored under the C locale, as gettext does
		{"", "de_DE.UTF-8", "de:zh_CN", "zh"},
		{"", "", "", "en"},
	} {
		t.Setenv("LC_ALL", c.lcAll)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", c.lang)
		t.Setenv("LANGUAGE", c.language)
		if got := SystemLanguage(); got != c.want {
			t.Errorf("LC_ALL=%q LANG=%q LANGUAGE=%q: %q, want %q", c.lcAll, c.lang, c.language, got, c.want)
		}
	}
}

func TestBuiltinTranslates(t *testing.T) {
	defer Use("")
	Set(nil)
	if !Use("zh") {
		t.Fatal("Use(zh) refused")
	}
	if got := L("Back"); got == "Back" || got == "" {
		t.Errorf("L(Back) in Chinese = %q", got)
	}
	if Use("klingon") {
		t.Error("Use accepted a language with no translation")
	}
	if Language() != "zh" {
		t.Errorf("an unknown language changed the choice to %q", Language())
	}
	Use("en")
	if got := L("Back"); got != "Back" {
		t.Errorf("L(Back) in English = %q", got)
	}
	// A sentence with no translation comes back with its template filled.
	if got := L("no such sentence {{.N}}", map[string]any{"N": 3}); got != "no such sentence 3" {
		t.Errorf("missing key: %q", got)
	}
}

func TestSetOverrides(t *testing.T) {
	defer Set(nil)
	Set(func(key string, count int, data any) string { return "T:" + key })
	if got := L("x"); got != "T:x" {
		t.Errorf("Set translator not used: %q", got)
	}
	Set(nil)
	Use("en")
	if got := N("{{.Count}} tries", 2); got != "2 tries" {
		t.Errorf("N fallback: %q", got)
	}
}

// TestBuiltinSwitchWhileTranslating switches the built-in translator's
// language while other goroutines translate; run it with -race.
func TestBuiltinSwitchWhileTranslating(t *testing.T) {
	defer Use("")
	Set(nil)
	want := map[string]bool{"Back": true, "上一步": true}
	stop := make(chan struct{})
	var rounds atomic.Int64 // translations done, to interleave them with the switches
	errs := make(chan string, 100)
	var wg sync.WaitGroup
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
				if got := L("Back"); !want[got] {
					select {
					case errs <- "L(Back) = " + got:
					default:
					}
				}
				N("{{.Count}} tries", 2)
				Language()
				rounds.Add(1)
			}
		}()
	}
	for i := 0; i < 50; i++ {
		// Let the others translate between two switches.
		for r := rounds.Load(); rounds.Load() < r+4; {
			runtime.Gosched()
		}
		code := []string{"zh", "en", ""}[i%3]
		if !Use(code) {
			t.Fatalf("Use(%q) refused", code)
		}
		if code != "" && Language() != code {
			t.Errorf("after Use(%q) the language is %q", code, Language())
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestFirstLoadWhileTranslating: loading a language for the first time
// while another goroutine translates in a language already loaded must not
// race (run with -race): each language has a bundle of its own.
func TestFirstLoadWhileTranslating(t *testing.T) {
	defer Use("")
	Set(nil)
	for i := 0; i < 20; i++ {
		mu.Lock()
		bundles = map[string]*i18n.Bundle{}
		localizer = nil
		mu.Unlock()
		Use("en")
		N("{{.Count}} attempts", 1) // loads English
		done := make(chan struct{})
		go func() {
			defer close(done)
			for j := 0; j < 50; j++ {
				Builtin("{{.Count}} attempts", 1, nil)
			}
		}()
		Use("zh")
		if got := L("Back"); got != "上一步" {
			t.Fatalf("L(Back) in Chinese = %q", got)
		}
		Use("en")
		<-done
	}
}

// TestData: data with a translation is translated; data without one (a
// brand name) comes back unchanged, without reaching the translator.
func TestData(t *testing.T) {
	defer Use("")
	defer Set(nil)
	asked := 0
	Set(func(key string, count int, data any) string { asked++; return Builtin(key, count, data) })
	Use("zh")
	if got := Data("Back"); got != "上一步" {
		t.Errorf("Data(Back) = %q", got)
	}
	if got := Data("Fastmail"); got != "Fastmail" || asked != 1 {
		t.Errorf("Data(Fastmail) = %q, translator asked %d times, want once (for Back)", got, asked)
	}
	if Data("") != "" {
		t.Error("Data of nothing is something")
	}
}
