package instance

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The helper process of TestCrashedWindowDoesNotBlock: it claims the
// directory, says so, and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("INSTANCE_TEST_CLAIM"); dir != "" {
		useTCP = os.Getenv("INSTANCE_TEST_TCP") == "1"
		w, running, err := Claim(dir)
		if err != nil || running || w.ln == nil {
			os.Stdout.WriteString("failed\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("claimed\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// endpoints runs a test once with each endpoint this system can use: the
// Unix socket (not on Windows) and the loopback TCP port of Windows.
func endpoints(t *testing.T, test func(t *testing.T)) {
	for _, tcp := range []bool{false, true} {
		if !tcp && useTCP {
			continue
		}
		name := map[bool]string{false: "unix", true: "tcp"}[tcp]
		t.Run(name, func(t *testing.T) {
			old := useTCP
			useTCP = tcp
			t.Cleanup(func() { useTCP = old })
			t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
			test(t)
		})
	}
}

func claim(t *testing.T, dir string) *Window {
	t.Helper()
	w, running, err := Claim(dir)
	if err != nil || running {
		t.Fatalf("Claim: running %v, %v", running, err)
	}
	if w.ln == nil {
		t.Fatal("Claim made a window that serves nothing")
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestSecondLaunchShowsTheFirst(t *testing.T) {
	endpoints(t, func(t *testing.T) {
		dir := t.TempDir()
		first := claim(t, dir)
		var shown atomic.Int32
		first.Serve(func() { shown.Add(1) })

		for i := 1; i <= 2; i++ {
			second, running, err := Claim(dir)
			if !running || second != nil || err != nil {
				t.Fatalf("launch %d: Claim = %v, %v, %v; want nil, running", i+1, second, running, err)
			}
			waitFor(t, "the first window to be shown", func() bool { return shown.Load() == int32(i) })
		}
	})
}

// A request that arrives before the window serves waits for it: the second
// launch gets its answer once the first window is there.
func TestRequestBeforeServeWaits(t *testing.T) {
	endpoints(t, func(t *testing.T) {
		dir := t.TempDir()
		first := claim(t, dir)
		done := make(chan bool, 1)
		start := time.Now()
		go func() {
			_, running, _ := Claim(dir)
			done <- running
		}()
		time.Sleep(200 * time.Millisecond)
		var shown atomic.Int32
		first.Serve(func() { shown.Add(1) })
		if !<-done {
			t.Fatal("second Claim did not see the first window")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the answer took %v", d)
		}
		waitFor(t, "the first window to be shown", func() bool { return shown.Load() == 1 })
	})
}

// A window that holds the claim but never answers still keeps a second one
// from opening.
func TestSilentWindowStillBlocks(t *testing.T) {
	endpoints(t, func(t *testing.T) {
		old, oldAnswer := dialWait, answerWait
		dialWait, answerWait = 300*time.Millisecond, 300*time.Millisecond
		t.Cleanup(func() { dialWait, answerWait = old, oldAnswer })
		dir := t.TempDir()
		claim(t, dir) // never serves
		if _, running, _ := Claim(dir); !running {
			t.Fatal("Claim next to a silent window opened a second one")
		}
	})
}

// A process that holds the lock but is going away (killed: it still holds
// its files for a moment, its endpoint gone) does not make the next launch
// give up: the launch takes the lock once it is free.
func TestDyingHolderLetsGo(t *testing.T) {
	endpoints(t, func(t *testing.T) {
		dir := t.TempDir()
		unlock, state, err := tryLock(filepath.Join(dir, lockName))
		if err != nil || state != locked {
			t.Fatal(state, err)
		}
		time.AfterFunc(300*time.Millisecond, unlock)
		claim(t, dir)
	})
}

func TestClosedWindowFreesTheClaim(t *testing.T) {
	endpoints(t, func(t *testing.T) {
		dir := t.TempDir()
		first := claim(t, dir)
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}
		claim(t, dir)
	})
}

func TestDirectoriesAreIndependent(t *testing.T) {
	endpoints(t, func(t *testing.T) {
		claim(t, t.TempDir())
		claim(t, t.TempDir())
	})
}

func TestWrongTokenIsIgnored(t *testing.T) {
	old := useTCP
	useTCP = true
	t.Cleanup(func() { useTCP = old })
	dir := t.TempDir()
	first := claim(t, dir)
	var shown atomic.Int32
	first.Serve(func() { shown.Add(1) })
	c, token, err := dial(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if exchange(c, token+"x") {
		t.Error("a request with the wrong token was answered")
	}
	if shown.Load() != 0 {
		t.Error("a request with the wrong token raised the window")
	}
}

// A window killed without a chance to clean up leaves its socket (or
// address file) and lock file behind; the next launch must open normally.
func TestCrashedWindowDoesNotBlock(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("kills a child process with SIGKILL")
	}
	endpoints(t, func(t *testing.T) {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "INSTANCE_TEST_CLAIM="+dir, "INSTANCE_TEST_TCP="+map[bool]string{false: "", true: "1"}[useTCP])
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, _ := out.Read(buf)
		if strings.TrimSpace(string(buf[:n])) != "claimed" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper said %q", buf[:n])
		}
		cmd.Process.Kill() // SIGKILL: no deferred cleanup runs
		cmd.Wait()

		leftover := socketPath(dir)
		if useTCP {
			leftover = filepath.Join(dir, addrName)
		}
		if _, err := os.Stat(leftover); err != nil {
			t.Fatalf("the crashed window left no endpoint to test with: %v", err)
		}
		start := time.Now()
		claim(t, dir)
		if d := time.Since(start); d > time.Second {
			t.Errorf("claiming after a crash took %v", d)
		}
	})
}

// On a system without file locks, an endpoint that answers still keeps a
// second window from opening, and a stale one does not.
func TestWithoutLocks(t *testing.T) {
	endpoints(t, func(t *testing.T) {
		old := lockFile
		lockFile = func(string) (func(), lockState, error) { return nil, noLocks, nil }
		t.Cleanup(func() { lockFile = old })
		dir := t.TempDir()
		first := claim(t, dir)
		first.Serve(func() {})
		if _, running, _ := Claim(dir); !running {
			t.Fatal("Claim next to a serving window opened a second one")
		}
		first.ln.Close() // as if it had crashed: the endpoint file stays
		claim(t, dir)
	})
}
