// Package instance keeps one window per config directory. The first window
// to start claims the directory; a later launch asks it to come to the front
// and exits, instead of opening a second window that would work the same
// outbox and profiles file. Only the window uses it: command-line
// subcommands may run next to an open window.
//
// The claim is an exclusive lock on a file in the config directory, held for
// the life of the process. The operating system drops it when the process
// dies, so a crashed window never blocks the next launch; the endpoint it
// leaves behind (a Unix socket, or the address file on Windows) is simply
// replaced. The window listens on a Unix socket in $XDG_RUNTIME_DIR (or the
// config directory), or, on Windows, on a loopback TCP port written with a
// random token to a file in the config directory.
//
// Nothing here uses Fyne, so it is tested without a display or cgo.
package instance

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Times a second launch waits: for the lock's holder to answer or let go
// (it listens right after taking the lock; a dying one lets go), and, once
// connected, for the answer (given once the window exists, which takes a
// few seconds on a cold start).
var (
	dialWait   = 5 * time.Second
	answerWait = 15 * time.Second
)

// useTCP chooses the loopback TCP endpoint: on systems without Unix sockets
// in every version Go supports (Windows, Plan 9), and in tests of that path.
var useTCP = runtime.GOOS == "windows" || runtime.GOOS == "plan9"

// Names of the files in the config directory.
const (
	lockName = "window.lock"
	sockName = "window.sock"
	addrName = "window.addr"
)

// The exchange: the second launch writes "show TOKEN\n" (TOKEN is empty on
// a Unix socket, which only its owner can open) and the window answers
// "ok\n" before it raises itself.
const (
	requestShow = "show"
	answerOK    = "ok"
)

// lockFile is tryLock; tests replace it to act as a system without locks.
var lockFile = tryLock

// Window is the claim of the running window. Its zero value (from a claim
// that could not be made, see Claim) serves nothing and closes cleanly.
type Window struct {
	unlock   func()
	ln       net.Listener
	token    string
	cleanup  []string
	once     sync.Once
	closeErr error
}

// Claim makes this process the window for the config directory dir. When
// another process already is, Claim asks it to come to the front and
// reports running: the caller should exit. Any other trouble (a read-only
// directory, a system without file locks) must not keep the window from
// opening, so Claim then returns a Window that serves nothing, and the error
// for the log.
func Claim(dir string) (w *Window, running bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &Window{}, false, err
	}
	lock := filepath.Join(dir, lockName)
	unlock, state, err := lockFile(lock)
	// Held by another process: ask it to come to the front. One that does
	// not answer may be still starting (its requests wait for it), busy, or
	// dying (a killed process holds its files a moment longer than it shows
	// in the process list): the lock is tried again until the wait is over.
	// One that holds it all that time and never answers exists all the
	// same, and must not get a twin.
	deadline := time.Now().Add(dialWait)
	for state == heldElsewhere {
		if ask(dir) || !time.Now().Before(deadline) {
			return nil, true, nil
		}
		time.Sleep(100 * time.Millisecond)
		unlock, state, err = lockFile(lock)
	}
	if err != nil {
		return &Window{}, false, err
	}
	if state == noLocks {
		// Without locks, an endpoint that answers is the only sign of a
		// running window; one that does not is stale.
		if ask(dir) {
			return nil, true, nil
		}
		unlock = func() {}
	}
	w = &Window{unlock: unlock}
	if err := w.listen(dir); err != nil {
		unlock()
		return &Window{}, false, err
	}
	return w, false, nil
}

// Serve answers show requests in the background, calling show for each; it
// is called once the window exists. Requests that arrive before wait in the
// listen queue.
func (w *Window) Serve(show func()) {
	if w == nil || w.ln == nil {
		return
	}
	go func() {
		for {
			c, err := w.ln.Accept()
			if err != nil {
				return // closed
			}
			if w.handle(c) {
				show()
			}
		}
	}()
}

// handle reads one request and answers it; it reports whether it was a
// valid show request.
func (w *Window) handle(c net.Conn) bool {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return false
	}
	verb, token, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
	if verb != requestShow || token != w.token {
		return false
	}
	_, err = fmt.Fprintln(c, answerOK)
	return err == nil
}

// Close gives up the claim: it stops listening, removes the endpoint and
// releases the lock.
func (w *Window) Close() error {
	if w == nil {
		return nil
	}
	w.once.Do(func() {
		if w.ln != nil {
			w.closeErr = w.ln.Close()
		}
		for _, f := range w.cleanup {
			_ = os.Remove(f)
		}
		if w.unlock != nil {
			w.unlock()
		}
	})
	return w.closeErr
}

// listen opens the endpoint, replacing whatever a crashed window left.
func (w *Window) listen(dir string) error {
	if useTCP {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		w.token = hex.EncodeToString(b)
		addr := filepath.Join(dir, addrName)
		if err := writeFileAtomic(addr, ln.Addr().String()+" "+w.token+"\n"); err != nil {
			ln.Close()
			return err
		}
		w.ln, w.cleanup = ln, []string{addr}
		return nil
	}
	path := socketPath(dir)
	_ = os.Remove(path) // stale: the lock says no live window owns it
	ln, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	_ = os.Chmod(path, 0o600)
	// Removed by Close below, after the listener: not on its own, so a
	// socket that a newer claim put in its place is never removed.
	if ul, ok := ln.(interface{ SetUnlinkOnClose(bool) }); ok {
		ul.SetUnlinkOnClose(false)
	}
	w.ln, w.cleanup = ln, []string{path}
	return nil
}

// ask sends a show request to the window that holds dir and reports
// whether it answered.
func ask(dir string) bool {
	c, token, err := dial(dir)
	if err != nil {
		return false
	}
	defer c.Close()
	return exchange(c, token)
}

// exchange sends the show request on c and reports whether it was answered.
func exchange(c net.Conn, token string) bool {
	_ = c.SetDeadline(time.Now().Add(answerWait))
	if _, err := fmt.Fprintf(c, "%s %s\n", requestShow, token); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.TrimSpace(line) == answerOK
}

// dial connects to the endpoint of the window that holds dir.
func dial(dir string) (net.Conn, string, error) {
	if useTCP {
		b, err := os.ReadFile(filepath.Join(dir, addrName))
		if err != nil {
			return nil, "", err
		}
		addr, token, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
		c, err := net.DialTimeout("tcp", addr, time.Second)
		return c, token, err
	}
	c, err := net.DialTimeout("unix", socketPath(dir), time.Second)
	return c, "", err
}

// socketPath is where the window for dir listens. $XDG_RUNTIME_DIR is made
// for such sockets (private, on a local file system, cleared at logout); the
// name carries a hash of the config directory, since one user may run
// windows on different ones. Without it, the socket lives in the config
// directory, unless that path is too long for a socket address (about 100
// bytes), when a private name in the temporary directory is used.
func socketPath(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	name := "smtpconf-" + hex.EncodeToString(sum[:6]) + ".sock"
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" && len(rt)+len(name) < 100 {
		if fi, err := os.Stat(rt); err == nil && fi.IsDir() {
			return filepath.Join(rt, name)
		}
	}
	if p := filepath.Join(dir, sockName); len(p) < 100 {
		return p
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("smtpconf-%d-%s", os.Getuid(), name))
}

// writeFileAtomic writes data to path (0600) through a temporary file, so a
// reader never sees half an address.
func writeFileAtomic(path, data string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
