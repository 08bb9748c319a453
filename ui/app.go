//go:build !nogui

// Package ui is the window of SMTP Configurator: the profile list, the guided
// setup of a profile, the test send, the outbox and the local test inbox. All settings,
// validation and network work live in package smtp; this package draws them.
//
// Threads: widgets are only touched on the Fyne thread. Network and keyring
// calls run in goroutines and hand every UI change back through one helper,
// mainUI.ui (fyne.Do), and every error shown to the person goes through
// mainUI.showError.
package ui

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/assets"
	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/app"
	"github.com/smtpconf/smtpconf/smtp/detect"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/relay"
	"github.com/smtpconf/smtpconf/ui/i18n"
	"github.com/smtpconf/smtpconf/ui/instance"
)

// AppID is the reverse-DNS id of the app (FyneApp.toml, preferences, desktop file).
const AppID = "io.github.smtpconf.smtpconf"

// appName is the window title; a product name, so it is not translated.
const appName = "SMTP Configurator"

// Preference keys (UI state only; profiles live in the profiles file and
// passwords in the keyring).
const (
	prefWindowWidth  = "window.width"
	prefWindowHeight = "window.height"
	prefLastProfile  = "profile.last"
)

// Window sizes: the default on first start, and the smallest the content is
// laid out for (the window cannot be made smaller than its content).
const (
	defaultWidth  = 1060
	defaultHeight = 740
	minWidth      = 860
	minHeight     = 600
)

// Deps is what the window needs from outside. Tests inject a temporary config
// directory, in-memory secrets and their own sign-in manager, so they never
// touch the real keyring or browser. The window hands them to the core's
// wiring (smtp/app), which opens the store, the secrets, the sign-in and the
// outbox from them.
type Deps struct {
	// ConfigDir is the resolved config directory (profiles file, test inbox).
	ConfigDir string
	// Keyring is the persistent secret store; nil means the OS keyring.
	Keyring smtp.SecretStore
	// Session holds "this session only" passwords; nil means a new empty one.
	Session *smtp.SessionSecrets
	// Do runs a function on the UI thread; nil means fyne.Do. Tests set it
	// to a queue they drain, which behaves like the real event loop.
	Do func(func())
	// Detector finds the settings for an address; nil means one with the
	// default options (system resolver, Thunderbird's ISPDB). One serves
	// the whole session, so its answers are cached per domain.
	Detector *detect.Detector
	// OAuth signs profiles in with Google or Microsoft; nil means one on the
	// window's secrets and config directory (system browser).
	OAuth *oauth.Manager

	// The window's view of the system and its timing: main sets
	// ForcedLanguage, tests the rest (seams.go fills in the defaults).

	// ForcedLanguage: the command line chose the language, so the one
	// saved in the Settings is not applied at start (RunOptions).
	ForcedLanguage bool
	// HasCJKFont reports whether a font on the system draws Chinese; nil
	// means asking the system's fonts (slow the first time).
	HasCJKFont func() bool
	// DetectDelay is how long after the last keystroke in the address
	// field detection starts; 0 means defaultDetectDelay.
	DetectDelay time.Duration
	// NetState describes the computer's network, "" when offline; nil
	// means reading its interfaces (networkState). The outbox retries at
	// once when it changes.
	NetState func() string
	// NetworkCheckEvery is how often the outbox reads NetState; 0 means
	// defaultNetworkCheckEvery.
	NetworkCheckEvery time.Duration
	// RelayListen is where the window's relay listens until the person
	// chooses an address; "" means relay.DefaultListen (tests: 127.0.0.1:0).
	RelayListen string
	// RelayService is how "Install as a service" writes and enables the
	// relay's unit; its zero value means the user's systemd. The window
	// fills in Binary and Args (tests: a temporary HOME, no systemctl).
	RelayService relay.Service
	// fontCheckSettled, when set, is called on the UI thread each time the
	// font check of window m has decided (tests wait for it).
	fontCheckSettled func(m *mainUI)
}

// appIcon is the window and app icon.
var appIcon = fyne.NewStaticResource("icon.png", assets.IconPNG)

// Run opens the window and returns when it is closed. configDir "" means the
// default (smtp.ConfigDir).
func Run(configDir string, opts RunOptions) error {
	dir, err := smtp.ConfigDir(configDir)
	if err != nil {
		return err
	}
	for _, note := range smtp.SecureConfigDir(dir) {
		fmt.Fprintln(os.Stderr, note)
	}
	// One window per config directory: a second launch raises the first.
	inst, running, err := instance.Claim(dir)
	if running {
		return nil
	} else if err != nil {
		fyne.LogError("no single-window check", err) // the window opens all the same
	}
	defer inst.Close()
	noDBusAutolaunch()
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(appIcon)
	w := a.NewWindow(appName)
	m := newMainUI(a, w, Deps{ConfigDir: dir, ForcedLanguage: opts.ForcedLanguage})
	inst.Serve(func() { fyne.Do(func() { w.Show(); w.RequestFocus() }) })
	w.ShowAndRun()
	// However the app ended (window closed, Quit, SIGTERM), stop the inbox.
	m.shutdown()
	return nil
}

// noDBusAutolaunch keeps D-Bus from starting a session bus of its own when
// the desktop has none (a server, or CI under Xvfb). Without this, the first
// D-Bus call (Fyne asks the desktop portal for its settings) runs
// dbus-launch, whose daemon outlives the app, and the keyring would then be
// asked on that empty bus and fail with a misleading reason. With no bus,
// the keyring says plainly that there is none and offers the session-only
// password.
func noDBusAutolaunch() {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return
	}
	dir := filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	for _, f := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return // godbus finds this bus by itself
		}
	}
	// An address with no usable transport: D-Bus calls fail at once.
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:")
}

// Create builds the window for app a and window w: it sets the window's
// icon, size, menu, content and close handling, and returns the content
// (already in the window, so w.SetContent(Create(a, w, deps)) reads as
// usual). It is what Run does with the real app, and what a test does with
// test.NewTempApp and injected dependencies.
func Create(a fyne.App, w fyne.Window, deps Deps) fyne.CanvasObject {
	return newMainUI(a, w, deps).content
}

// mainUI is the window: the profile list on the left, the selected profile's
// setup (or the test inbox) on the right.
type mainUI struct {
	app fyne.App
	win fyne.Window
	do  func(func())
	// core is the wiring of the config directory; the fields below are its
	// parts, kept for the screens that use them.
	core    *app.App
	dir     string
	store   *smtp.Store
	secrets smtp.LayeredSecrets
	session *smtp.SessionSecrets
	// detector is the session's settings detection (one cache for all profiles).
	detector *detect.Detector
	// oauth signs profiles in with Google or Microsoft (xoauth2).
	oauth *oauth.Manager

	profiles *profilesView
	wizard   *wizard
	inbox    *inboxView
	local    *localInbox

	outbox     *outbox
	outboxView *outboxView
	// relay is the local relay run in the window; useView the last "Use
	// from other apps" shown (useapps.go).
	relay   *relayRunner
	useView *useView

	right   *fyne.Container
	split   *container.Split
	content fyne.CanvasObject

	// settings is the open (or last) Settings dialog; fontNotice the
	// missing-font notice (for tests).
	settings         *settingsView
	fontNotice       *dialog.CustomDialog
	fontCheckRunning bool

	menu       *fyne.MainMenu
	menuNew    *fyne.MenuItem
	menuDup    *fyne.MenuItem
	menuRename *fyne.MenuItem
	menuDelete *fyne.MenuItem
	menuUse    *fyne.MenuItem

	// lastError is the message of the last error shown (for tests).
	lastError string
	closeOnce sync.Once

	// From Deps, with their defaults (seams.go).
	hasCJKFont        func() bool
	detectDelay       time.Duration
	netState          func() string
	networkCheckEvery time.Duration
	fontCheckSettled  func(*mainUI)
	relayListen       string
	relayService      relay.Service
}

func newMainUI(a fyne.App, w fyne.Window, deps Deps) *mainUI {
	i18n.Load()
	applySavedLanguage(a, deps.ForcedLanguage)
	m := &mainUI{app: a, win: w, do: deps.Do, dir: deps.ConfigDir, detector: deps.Detector}
	m.useSeams(deps)
	if m.detector == nil {
		m.detector = detect.New(detect.Options{})
	}
	if m.do == nil {
		m.do = fyne.Do
	}
	// An invalid outbox.json does not keep the window from sending: the
	// defaults are used and the Outbox view says why.
	m.core = app.New(app.Config{Dir: deps.ConfigDir, Keyring: deps.Keyring, Session: deps.Session,
		OAuth: deps.OAuth, LenientOutboxSettings: true})
	m.store, m.secrets, m.session = m.core.Store(), m.core.Secrets(), m.core.Session()
	// The screens ask the manager for sign-in settings from the start.
	m.oauth = m.core.OAuth()
	m.local = newLocalInbox(m)
	m.outbox = newOutbox(m)
	m.relay = newRelayRunner(m)

	// Keyboard focus that can be seen, in both variants (focustheme.go).
	a.Settings().SetTheme(withVisibleFocus(a.Settings().Theme()))
	m.buildViews()

	a.SetIcon(appIcon)
	w.SetIcon(appIcon)
	w.SetTitle(appName)
	p := a.Preferences()
	width := max(float32(p.FloatWithFallback(prefWindowWidth, defaultWidth)), minWidth)
	height := max(float32(p.FloatWithFallback(prefWindowHeight, defaultHeight)), minHeight)
	w.Resize(fyne.NewSize(width, height))
	// Not Lifecycle().SetOnStopped: in Fyne 2.7 an OnStopped callback can
	// be lost while the main loop drains at exit, and the app then hangs
	// instead of exiting. Run calls shutdown after the loop instead.
	w.SetCloseIntercept(m.onClose)
	m.buildMenu()
	m.bindKeys()

	// The content goes in before a profile opens, so its first field can
	// take the keyboard focus.
	w.SetContent(m.content)
	m.profiles.load(p.String(prefLastProfile))
	// The outbox's worker delivers waiting messages while the window is
	// open. If the outbox cannot be opened, its view says why.
	m.outbox.start()
	m.outboxChanged()
	m.relay.autostart()
	m.checkFonts()
	return m
}

// buildViews makes the profile list, the inbox and outbox views and the
// window's content around them, in the current language.
func (m *mainUI) buildViews() {
	offset := 0.26
	if m.split != nil {
		offset = m.split.Offset
	}
	m.right = container.NewStack()
	m.inbox = newInboxView(m)
	m.outboxView = newOutboxView(m)
	m.profiles = newProfilesView(m)
	m.split = container.NewHSplit(m.profiles.root, m.right)
	m.split.Offset = offset
	// The smallest size the steps are laid out for; the window cannot be
	// made smaller than its content.
	floor := canvas.NewRectangle(color.Transparent)
	floor.SetMinSize(fyne.NewSize(minWidth, minHeight))
	// The outbox's banner (notice.go) sits above both panes.
	m.outbox.banner = newOutboxBanner(m)
	m.content = container.NewStack(floor, m.outbox.banner.wrap(m.split))
}

// rebuild draws the whole window again in the current language (after the
// language changed in the Settings). The open profile stays open on the
// same step with what was typed; the inbox or outbox stays shown.
func (m *mainUI) rebuild() {
	oldProfiles, oldWizard := m.profiles, m.wizard
	inInbox, inOutbox := m.showing(m.inbox.root), m.showing(m.outboxView.root)
	inUse := m.useShown()
	m.wizard = nil
	m.buildViews()
	m.buildMenu()
	pv := m.profiles
	pv.items = oldProfiles.items
	pv.list.Refresh()
	pv.selectQuietly(oldProfiles.selected)
	m.win.SetContent(m.content)
	switch {
	case oldWizard != nil:
		m.wizard = oldWizard.rebuilt()
		m.showView(m.wizard.root)
		m.wizard.restarted()
	case inInbox:
		m.inbox.show()
	case inOutbox:
		m.outboxView.show()
	}
	if inUse {
		m.showUse(m.useView.profile.Name)
	}
	m.profiles.updateInboxButton()
	m.outboxChanged()
}

// showing reports whether obj is the view on the right.
func (m *mainUI) showing(obj fyne.CanvasObject) bool {
	return len(m.right.Objects) == 1 && m.right.Objects[0] == obj
}

// ui runs fn on the UI thread. It is the one way goroutines change widgets.
func (m *mainUI) ui(fn func()) {
	m.do(fn)
}

// showError tells the person about an error in a dialog: what failed, and
// how to fix it when the error knows (keyring errors carry a hint). It may
// be called from any goroutine.
func (m *mainUI) showError(title string, err error) {
	if err == nil {
		return
	}
	m.ui(func() {
		msg := humanError(err)
		if h := errorHint(err); h != "" {
			msg += "\n\n" + h
		}
		m.lastError = title + ": " + msg
		body := wrapped(msg)
		content := container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.ErrorIcon())), nil, body)
		d := dialog.NewCustom(title, i18n.L("Close"), content, m.win)
		d.Resize(fyne.NewSize(520, 0))
		d.Show()
	})
}

// showView puts obj on the right-hand side of the window.
func (m *mainUI) showView(obj fyne.CanvasObject) {
	m.right.Objects = []fyne.CanvasObject{obj}
	m.right.Refresh()
	if m.profiles != nil {
		m.profiles.updateInboxButton()
		m.profiles.updateOutboxButton()
	}
}

// buildMenu sets the main menu. Its shortcuts work wherever the keyboard
// focus is (a focused entry would swallow the window's own shortcuts).
func (m *mainUI) buildMenu() {
	key := func(k fyne.KeyName) fyne.Shortcut {
		return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
	}
	pv := m.profiles
	m.menuNew = fyne.NewMenuItem(i18n.L("New profile"), pv.onNew)
	m.menuNew.Shortcut = key(fyne.KeyN)
	m.menuDup = fyne.NewMenuItem(i18n.L("Duplicate"), pv.onDuplicate)
	m.menuRename = fyne.NewMenuItem(i18n.L("Rename…"), pv.onRename)
	m.menuDelete = fyne.NewMenuItem(i18n.L("Delete…"), pv.onDelete)
	quit := fyne.NewMenuItem(i18n.L("Quit"), m.onClose)
	quit.IsQuit = true
	quit.Shortcut = key(fyne.KeyQ)
	inbox := fyne.NewMenuItem(i18n.L("Test inbox"), m.showInbox)
	inbox.Shortcut = key(fyne.KeyI)
	outbox := fyne.NewMenuItem(i18n.L("Outbox"), m.showOutbox)
	outbox.Shortcut = key(fyne.KeyO)
	m.menuUse = fyne.NewMenuItem(i18n.L("Use from other apps…"), m.onUseMenu)
	m.menuUse.Shortcut = key(fyne.KeyU)
	settings := fyne.NewMenuItem(i18n.L("Settings…"), m.onSettings)
	settings.Shortcut = key(fyne.KeyComma)
	send := fyne.NewMenuItem(i18n.L("Send test email"), m.onSendShortcut)
	send.Shortcut = sendShortcut
	// Settings sit in the Edit menu, where Linux and Windows apps keep
	// their preferences; on macOS Fyne moves an item named "Settings…" to
	// the app menu by itself.
	m.menu = fyne.NewMainMenu(
		fyne.NewMenu(i18n.L("Profile"), m.menuNew, m.menuDup, m.menuRename, m.menuDelete, fyne.NewMenuItemSeparator(), send, fyne.NewMenuItemSeparator(), quit),
		fyne.NewMenu(i18n.L("Edit"), settings),
		fyne.NewMenu(i18n.L("View"), inbox, outbox, fyne.NewMenuItemSeparator(), m.menuUse),
		m.helpMenu(),
	)
	m.win.SetMainMenu(m.menu)
	pv.updateButtons()
}

// onAbout shows the app's name, version and purpose.
func (m *mainUI) onAbout() {
	icon := canvas.NewImageFromResource(appIcon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(96, 96))
	name := heading(appName)
	name.Alignment = fyne.TextAlignCenter
	version := widget.NewLabel(i18n.L("Version {{.Version}}", map[string]any{"Version": smtp.VersionLine()}))
	version.Alignment = fyne.TextAlignCenter
	text := wrapped(i18n.L("Sets up an outgoing mail (SMTP) server and proves it works with a test message. Passwords stay in your system keyring."))
	text.Alignment = fyne.TextAlignCenter
	d := dialog.NewCustom(i18n.L("About SMTP Configurator"), i18n.L("Close"), container.NewVBox(icon, name, version, text), m.win)
	d.Resize(fyne.NewSize(420, 0))
	d.Show()
}

// onClose remembers the window size, stops what runs and closes the window
// (which ends the app).
func (m *mainUI) onClose() {
	m.rememberWindowSize()
	m.shutdown()
	m.win.Close()
}

// rememberWindowSize stores the window size for the next start.
func (m *mainUI) rememberWindowSize() {
	s := m.win.Canvas().Size()
	if s.Width >= minWidth/2 && s.Height >= minHeight/2 {
		m.app.Preferences().SetFloat(prefWindowWidth, float64(s.Width))
		m.app.Preferences().SetFloat(prefWindowHeight, float64(s.Height))
	}
}

// shutdown cancels running tests, stops the outbox's worker and the test
// inbox.
func (m *mainUI) shutdown() {
	m.closeOnce.Do(func() {
		if m.wizard != nil {
			m.wizard.close()
		}
		// The relay first: the messages it is storing go into the outbox
		// before the outbox closes.
		m.relay.close()
		m.outbox.close()
		m.local.close()
		_ = m.core.Close()
	})
}

// describe is a one-line summary of a profile's server for lists.
func describe(p smtp.Profile) string {
	if p.Host == "" {
		return i18n.L("No server yet")
	}
	return fmt.Sprintf("%s:%d · %s", p.Host, p.Port, smtp.SecurityName(p.Security, smtp.Title))
}
