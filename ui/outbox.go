//go:build !nogui

package ui

import (
	"context"
	"errors"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// How often the window reloads the outbox by itself (for the "in 4 min"
// texts and messages other processes added), and how often it looks whether
// the network came back (tests shorten that through Deps).
const (
	outboxReloadEvery        = 15 * time.Second
	defaultNetworkCheckEvery = 30 * time.Second
)

// logWorkerStuck is a line of the log, for developers: not translated.
const logWorkerStuck = "the outbox worker did not stop within 5 s"

// outbox runs the outbox while the window is open: the database, the
// worker that delivers due messages, a loader that reads the entries for the
// view, and a watch for the network coming back. All database work happens
// off the UI thread; the results come back through mainUI.ui.
type outbox struct {
	m *mainUI

	o           *queue.Outbox // nil when it could not be opened
	openErr     error         // why it could not be opened
	settingsErr error         // outbox.json is invalid (the defaults are used)
	worker      *queue.Worker

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// busy counts the operations the window started (Retry, Delete) that
	// still run, so tests can wait for them before checking what they did.
	busy   sync.WaitGroup
	reload chan struct{}
	// selected is the id of the entry the view shows in detail ("" none);
	// the loader reads it along with the list.
	selected atomic.Value
	// netState describes the network (tests replace it).
	netState func() string

	// Only on the UI thread:
	entries []queue.Entry // newest first
	detail  *queue.Entry  // the selected entry with its transcript, nil if none
	counts  queue.Counts
	loaded  bool
	// notified are the notifications sent (for tests).
	notified []*fyne.Notification
	// unseen counts the final outcomes (delivered, failed for good) that
	// came while the Outbox view was not shown; the Outbox button shows
	// them until the view is opened.
	unseen int
	// banner says the outcome in the window, whatever the desktop's
	// notifications do (notice.go).
	banner *outboxBanner
}

func newOutbox(m *mainUI) *outbox {
	b := &outbox{m: m, reload: make(chan struct{}, 1), netState: m.netState}
	b.selected.Store("")
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b
}

// start opens the outbox and starts the worker, the loader and the network
// watch. If the outbox cannot be opened, the rest of the window works and
// the Outbox view says why.
func (b *outbox) start() {
	o, err := b.m.core.Outbox()
	b.settingsErr = b.m.core.OutboxSettingsError()
	if err != nil {
		b.openErr = err
		return
	}
	b.o = o
	// The worker sends with the wiring's secrets and sign-in, as the test
	// step does.
	cfg := b.m.core.QueueConfig()
	cfg.Profile, cfg.OnEvent = b.profile, b.onEvent
	b.worker = o.NewWorker(cfg)
	b.worker.OnPass = func(queue.Summary, error) { b.refresh() }
	b.wg.Add(3)
	go func() {
		defer b.wg.Done()
		_ = b.worker.Run(b.ctx)
	}()
	go func() {
		defer b.wg.Done()
		b.loop()
	}()
	go func() {
		defer b.wg.Done()
		b.watchNetwork()
	}()
	b.refresh()
}

// background runs an operation the window started, off the UI thread.
func (b *outbox) background(f func()) {
	b.busy.Add(1)
	go func() {
		defer b.busy.Done()
		f()
	}()
}

// available reports whether the outbox is open.
func (b *outbox) available() bool { return b.o != nil }

// profile gives the worker a profile's current settings. A profile of the
// local test inbox is pointed at the running inbox (started if need be),
// as for a test send.
func (b *outbox) profile(name string) (smtp.Profile, error) {
	p, err := b.m.store.Get(name)
	if err != nil {
		return p, err
	}
	return b.m.local.prepare(p)
}

// close stops the worker and the loader, waiting a few seconds at most for
// a send in progress to stop. The database is the wiring's to close.
func (b *outbox) close() {
	b.cancel()
	if !waitAtMost(&b.wg, 5*time.Second) {
		fyne.LogError("outbox", errors.New(logWorkerStuck))
	}
}

// refresh asks the loader to read the outbox again. It never blocks and may
// be called from any goroutine; requests made while a read runs are merged.
func (b *outbox) refresh() {
	select {
	case b.reload <- struct{}{}:
	default:
	}
}

// selectEntry sets the entry shown in detail and reads it (UI thread).
func (b *outbox) selectEntry(id string) {
	b.selected.Store(id)
	if id == "" {
		b.detail = nil
	}
	b.refresh()
}

// loop reads the outbox whenever asked, and every outboxReloadEvery.
func (b *outbox) loop() {
	t := time.NewTicker(outboxReloadEvery)
	defer t.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-b.reload:
		case <-t.C:
		}
		b.load()
	}
}

// load reads the entries, the counts and the selected entry, and hands them
// to the UI thread.
func (b *outbox) load() {
	ctx := b.ctx
	list, err := b.o.List(ctx)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		b.m.ui(func() { b.m.outboxUnreadable(err) })
		return
	}
	var c queue.Counts
	for _, e := range list {
		switch e.State {
		case queue.Queued:
			c.Queued++
		case queue.Sending:
			c.Sending++
		case queue.Deferred:
			c.Deferred++
		case queue.Sent:
			c.Sent++
		case queue.Failed:
			c.Failed++
		}
	}
	slices.Reverse(list) // newest first
	var detail *queue.Entry
	id := b.selected.Load().(string)
	if id != "" {
		e, err := b.o.Get(ctx, id)
		if err == nil {
			detail = &e
		}
	}
	b.m.ui(func() {
		b.entries, b.counts, b.loaded = list, c, true
		// If another entry was selected meanwhile, its read follows.
		if cur := b.selected.Load().(string); detail == nil || detail.ID == cur {
			b.detail = detail
		}
		b.m.outboxChanged()
	})
}

// onEvent is told of each claim and outcome by the worker's goroutines.
func (b *outbox) onEvent(ev queue.Event) {
	b.refresh()
	if !ev.Final() {
		return
	}
	b.m.ui(func() { b.notify(ev) })
}

// notify tells the person that a queued message was finally delivered or
// has failed for good (UI thread): in the window (a banner, and the count
// on the Outbox button while the outbox is not shown), and through the
// desktop's notifications, which may not exist.
func (b *outbox) notify(ev queue.Event) {
	vars := map[string]any{"Subject": subjectOrNone(ev.Subject), "To": strings.Join(ev.To, ", ")}
	var n *fyne.Notification
	if ev.Kind == queue.EventSent {
		n = fyne.NewNotification(i18n.L("Message delivered"),
			i18n.L("“{{.Subject}}” to {{.To}} was sent from the outbox.", vars))
	} else {
		vars["Error"] = ev.Error
		n = fyne.NewNotification(i18n.L("Message not delivered"),
			i18n.L("“{{.Subject}}” to {{.To}} failed for good: {{.Error}}", vars))
	}
	b.notified = append(b.notified, n)
	if !b.m.outboxShown() {
		b.unseen++
		b.m.profiles.updateOutboxButton()
	}
	if b.banner != nil {
		b.banner.announce(ev, n.Content)
	}
	b.m.app.SendNotification(n)
}

// retry makes a message due now; the worker wakes by itself.
func (b *outbox) retry(id string) error {
	_, err := b.o.Retry(b.ctx, id)
	b.refresh()
	return err
}

// retryAll makes every deferred and failed message due now.
func (b *outbox) retryAll() (int, error) {
	n, err := b.o.RetryAll(b.ctx)
	b.refresh()
	return n, err
}

// remove deletes a message.
func (b *outbox) remove(id string) error {
	err := b.o.Delete(b.ctx, id)
	b.refresh()
	return err
}

// watchNetwork looks every m.networkCheckEvery whether the computer's network
// addresses changed. When they did and there is a network, the messages
// that waited because the server could not be reached are tried at once.
func (b *outbox) watchNetwork() {
	t := time.NewTicker(b.m.networkCheckEvery)
	defer t.Stop()
	last := b.netState()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
		}
		now := b.netState()
		if now == last {
			continue
		}
		last = now
		if now != "" {
			b.networkBack()
		}
	}
}

// networkBack retries the messages deferred for want of a network and wakes
// the worker.
func (b *outbox) networkBack() {
	list, err := b.o.List(b.ctx)
	if err != nil {
		return
	}
	for _, e := range list {
		if e.State == queue.Deferred && (smtp.Kind(e.LastKind).Network() || e.LastStage == smtp.StageConnect && e.LastCode == 0) {
			_, _ = b.o.Retry(b.ctx, e.ID)
		}
	}
	b.worker.Wake()
	b.refresh()
}

// networkState describes the computer's network: its non-loopback
// addresses, "" when it has none (offline). Reading it sends nothing.
func networkState() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	var out []string
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() && !ip.IP.IsLinkLocalUnicast() {
			out = append(out, ip.String())
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// subjectOrNone is the subject, or "(no subject)".
func subjectOrNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return i18n.L("(no subject)")
	}
	return s
}
