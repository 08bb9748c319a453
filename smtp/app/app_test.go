package app

import (
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
)

// TestOpensOnlyWhatIsUsed: making an App touches nothing; listing profiles
// and building a password profile's options build no sign-in manager and
// open no outbox; an xoauth2 profile's options build the manager, once.
func TestOpensOnlyWhatIsUsed(t *testing.T) {
	dir := t.TempDir() + "/config"
	a := newTestApp(t, Config{Dir: dir})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("New touched the config directory: %v", err)
	}
	if list, err := a.Store().List(); err != nil || len(list) != 0 {
		t.Fatalf("List: %v, %v", list, err)
	}
	p := plainProfile("p", 25)
	p.Auth = smtp.AuthPlain
	if opts := a.SendOptions(p); opts.Secret == nil || opts.Token != nil || opts.Profile.Name != "p" {
		t.Fatalf("options %+v", opts)
	}
	if a.builtOAuth() || a.openedOutbox() {
		t.Fatalf("built the sign-in manager %v, opened the outbox %v", a.builtOAuth(), a.openedOutbox())
	}
	p.Auth, p.Preset = smtp.AuthXOAUTH2, "gmail"
	if opts := a.SendOptions(p); opts.Token == nil {
		t.Fatal("an xoauth2 profile got no token source")
	}
	m := a.OAuth()
	if m == nil || a.OAuth() != m || m.ConfigDir != dir || m.Secrets != a.Secrets() {
		t.Fatalf("manager %+v", m)
	}
	if a.openedOutbox() {
		t.Fatal("the outbox was opened")
	}
}

// TestConcurrentUseAndClose: goroutines share one outbox and one manager;
// after Close the outbox is closed and not opened again.
func TestConcurrentUseAndClose(t *testing.T) {
	a := New(Config{Dir: t.TempDir(), Keyring: smtp.NewSessionSecrets()})
	const n = 8
	outs := make([]*queue.Outbox, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := a.Outbox()
			if err != nil {
				t.Error(err)
			}
			outs[i] = o
			_ = a.OAuth()
		}()
	}
	wg.Wait()
	for _, o := range outs[1:] {
		if o != outs[0] {
			t.Fatal("Outbox opened more than one database")
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := outs[0].List(ctxT(t)); err == nil {
		t.Fatalf("List after Close: %v", err)
	}
	if o, err := a.Outbox(); o != nil || !errors.Is(err, queue.ErrClosed) {
		t.Fatalf("Outbox after Close: %v, %v", o, err)
	}
}
