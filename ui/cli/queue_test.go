package cli_test

// The outbox from the command line: `test` queueing temporary failures,
// `queue list/run/retry/delete` as in the contract, and the crash-safety
// and concurrency guarantees, checked by killing real `queue run` processes.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// fastOutbox makes retries come within milliseconds, so the tests need not
// wait for the real schedule. Leases stay long: a killed runner's claims
// must come back because its process is gone, not because time passed.
func fastOutbox(t *testing.T, dir string) {
	t.Helper()
	os.MkdirAll(dir, 0o700)
	s := `{"schedule":{"first":"30ms","max":"100ms","rate_limit_floor":"50ms"},"poll":"100ms","lease":"10m"}`
	if err := os.WriteFile(filepath.Join(dir, queue.SettingsFile), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// queueItem is the contract of one `queue list --json` entry.
type queueItem struct {
	ID          string   `json:"id"`
	Profile     string   `json:"profile"`
	From        string   `json:"from"`
	To          []string `json:"to"`
	Subject     string   `json:"subject"`
	State       string   `json:"state"`
	Attempts    int      `json:"attempts"`
	NextAttempt *string  `json:"next_attempt"`
	LastError   *string  `json:"last_error"`
	Created     string   `json:"created"`
	MessageID   string   `json:"message_id"`
	Hint        string   `json:"hint"`
	Stage       string   `json:"stage"`
	Code        int      `json:"code"`
}

func listQueue(t *testing.T, dir string) []queueItem {
	t.Helper()
	r := run(t, dir, "", nil, "queue", "list", "--json")
	if r.code != 0 {
		t.Fatalf("queue list: exit %d: %s", r.code, r.stderr)
	}
	var items []queueItem
	decode(t, r, &items)
	for _, it := range items {
		if it.ID == "" || it.Profile == "" || it.To == nil || it.State == "" || it.NextAttempt == nil || it.LastError == nil {
			t.Fatalf("contract fields missing: %s", r.stdout)
		}
		if _, err := time.Parse(time.RFC3339, it.Created); err != nil {
			t.Fatalf("created %q: %v", it.Created, err)
		}
		if *it.NextAttempt != "" {
			if _, err := time.Parse(time.RFC3339, *it.NextAttempt); err != nil {
				t.Fatalf("next_attempt %q: %v", *it.NextAttempt, err)
			}
		}
		if !slices.Contains([]string{"queued", "sending", "deferred", "sent", "failed"}, it.State) {
			t.Fatalf("state %q", it.State)
		}
	}
	return items
}

// TestTestQueuesTemporaryFailures: `test` puts the very bytes it tried in
// the outbox when the failure is temporary (the exit code still names the
// failure), and `queue run` later delivers them.
func TestTestQueuesTemporaryFailures(t *testing.T) {
	cases := []struct {
		name    string
		cfg     smtptest.Config
		down    bool
		noQueue bool
		code    int
		queued  bool
		clear   func(*smtptest.Config)
	}{
		{name: "451 at RCPT", cfg: smtptest.Config{FailRcpt: &smtptest.Reply{Code: 451, Enhanced: "4.7.1", Message: "Greylisted"}},
			code: 7, queued: true, clear: func(c *smtptest.Config) { c.FailRcpt = nil }},
		{name: "421 greeting", cfg: smtptest.Config{Greeting: &smtptest.Reply{Code: 421, Enhanced: "4.3.2", Message: "Busy"}},
			code: 7, queued: true, clear: func(c *smtptest.Config) { c.Greeting = nil }},
		{name: "refused", down: true, code: 3, queued: true},
		{name: "dropped mid-DATA", cfg: smtptest.Config{DropMidData: true},
			code: 7, queued: true, clear: func(c *smtptest.Config) { c.DropMidData = false }},
		{name: "550 at MAIL is not queued", cfg: smtptest.Config{FailMail: &smtptest.Reply{Code: 550, Enhanced: "5.7.1", Message: "No"}}, code: 6},
		{name: "--no-queue", cfg: smtptest.Config{FailRcpt: &smtptest.Reply{Code: 451, Message: "Later"}}, noQueue: true, code: 7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fastOutbox(t, dir)
			srv := smtptest.Start(t, tc.cfg)
			port := srv.Port
			if tc.down {
				port = freePort(t)
			}
			saveProfile(t, dir, nil, "127.0.0.1", port, "none", "none")
			args := []string{"test", "p", "--json", "--to", "you@example.com"}
			if tc.noQueue {
				args = append(args, "--no-queue")
			}
			r := run(t, dir, "", nil, args...)
			var rep testReport
			decode(t, r, &rep)
			if r.code != tc.code || rep.Queued != tc.queued || (rep.QueueID != nil && (*rep.QueueID != "") != tc.queued) {
				t.Fatalf("exit %d queued %v id %v; want exit %d queued %v\n%s\n%s", r.code, rep.Queued, rep.QueueID, tc.code, tc.queued, r.stdout, r.stderr)
			}
			items := listQueue(t, dir)
			if !tc.queued {
				if len(items) != 0 {
					t.Fatalf("queued anyway: %+v", items)
				}
				return
			}
			if len(items) != 1 {
				t.Fatalf("%d entries", len(items))
			}
			it := items[0]
			if it.ID != *rep.QueueID || it.State != "deferred" || it.Attempts != 1 || *it.LastError == "" || *it.NextAttempt == "" ||
				it.Hint == "" || it.Stage != rep.Stage || it.Code != rep.Code || it.To[0] != "you@example.com" || it.Profile != "p" {
				t.Fatalf("entry %+v for report %+v", it, rep)
			}

			// For people, the same, with the retry time.
			r = run(t, dir, "", nil, "test", "p", "--to", "you@example.com")
			if r.code != tc.code || !strings.Contains(r.stdout, "Queued as ") || !strings.Contains(r.stdout, "will retry at ") {
				t.Fatalf("exit %d:\n%s", r.code, r.stdout)
			}
			if n := len(listQueue(t, dir)); n != 2 {
				t.Fatalf("%d entries", n)
			}

			// The fault clears; the outbox delivers the queued bytes.
			if tc.down {
				saveProfile(t, dir, nil, "127.0.0.1", srv.Port, "none", "none")
			} else {
				srv.Set(tc.clear)
			}
			if r := run(t, dir, "", nil, "queue", "retry", "--all"); r.code != 0 {
				t.Fatalf("retry --all: %d %s", r.code, r.stderr)
			}
			r = run(t, dir, "", nil, "queue", "run")
			if r.code != 0 || !strings.Contains(r.stdout, "2 sent") {
				t.Fatalf("queue run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			delivered := map[string]bool{}
			for _, m := range srv.Messages() {
				delivered[messageID(m.Data)] = true
			}
			for _, it := range listQueue(t, dir) {
				if it.State != "sent" || it.Attempts != 2 || !delivered[it.MessageID] {
					t.Fatalf("entry %+v; delivered %v", it, delivered)
				}
			}
		})
	}
}

func messageID(data []byte) string {
	for _, l := range strings.Split(string(data), "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "Message-Id") {
			return strings.TrimSpace(v)
		}
		if l == "" {
			break
		}
	}
	return ""
}

// enqueueN puts n messages for profile p in the outbox of dir, as the
// window would, and returns their Message-IDs.
func enqueueN(t *testing.T, dir, p string, n int) []string {
	t.Helper()
	s, err := queue.LoadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	o, err := queue.Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	var ids []string
	for i := range n {
		mid := fmt.Sprintf("<crash-%d-%d@example.com>", i, rand.Int64())
		body := strings.Repeat(fmt.Sprintf("line %d of a message that takes a moment to send\r\n", i), 40)
		raw := fmt.Sprintf("From: me@example.com\r\nTo: you@example.com\r\nSubject: message %d\r\nMessage-ID: %s\r\n\r\n%s", i, mid, body)
		_, err := o.Enqueue(context.Background(), queue.Message{Profile: p, From: "me@example.com", To: []string{"you@example.com"}, Raw: []byte(raw)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, mid)
	}
	return ids
}

// checkOutbox opens the outbox in-process: integrity, and how many wait.
func checkOutbox(t *testing.T, dir string) queue.Counts {
	t.Helper()
	o, err := queue.Open(dir, queue.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := o.Check(context.Background()); err != nil {
		t.Fatalf("integrity check: %v", err)
	}
	c, err := o.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startRun(t *testing.T, dir string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--config-dir", dir, "queue", "run"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// TestCrashSafety enqueues messages, then starts `queue run` again and again
// and SIGKILLs it at random moments, some of them while the server holds the
// end of DATA (the message is on the wire, its fate unknown). Then it lets a
// run finish: every message was delivered at least once, none is lost,
// nothing is left due, and the database is intact.
func TestCrashSafety(t *testing.T) {
	const n = 30
	dir := t.TempDir()
	fastOutbox(t, dir)
	srv := smtptest.Start(t, smtptest.Config{})
	// Every reply arrives 3 ms late, so a run takes long enough to be
	// killed in the middle of it.
	slow := slowProxy(t, srv.Addr, 3*time.Millisecond)
	saveProfile(t, dir, nil, "127.0.0.1", slow, "none", "none", "--timeout", "5s")
	ids := enqueueN(t, dir, "p", n)

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	kills, midData := 0, 0
	for round := 0; round < 14; round++ {
		stall := round%4 == 1 // a slow server: DATA's reply never comes
		srv.Set(func(c *smtptest.Config) {
			c.StallAt = ""
			if stall {
				c.StallAt = smtptest.StallData
			}
		})
		cmd, out := startRun(t, dir)
		delay := time.Duration(20+rng.IntN(150)) * time.Millisecond
		if stall {
			delay = 400 * time.Millisecond // connected, the first message's DATA sent, no reply
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: queue run failed: %v\n%s", round, err, out)
			}
		case <-time.After(delay):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
			if stall {
				midData++
			}
		}
	}
	srv.Set(func(c *smtptest.Config) { c.StallAt = "" })
	if kills < 3 || midData == 0 {
		t.Fatalf("only %d kills (%d mid-DATA): the test did not test much", kills, midData)
	}

	// Let it finish: a few runs, as cron would, until nothing waits.
	var c queue.Counts
	for i := 0; i < 20; i++ {
		r := run(t, dir, "", nil, "queue", "run")
		if r.code != 0 {
			t.Fatalf("final run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if c = checkOutbox(t, dir); c.Waiting() == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if c.Waiting() != 0 || c.Sent != n || c.Failed != 0 {
		t.Fatalf("after the crashes: %+v, want %d sent and nothing waiting", c, n)
	}
	got := map[string]int{}
	for _, m := range srv.Messages() {
		got[messageID(m.Data)]++
	}
	dups := 0
	for _, id := range ids {
		if got[id] == 0 {
			t.Fatalf("message %s was never delivered", id)
		}
		dups += got[id] - 1
	}
	for _, it := range listQueue(t, dir) {
		if it.State != "sent" {
			t.Fatalf("entry %+v", it)
		}
	}
	t.Logf("%d kills (%d mid-DATA); %d messages delivered, %d of them twice or more (at-least-once)", kills, midData, n, dups)
}

// TestTwoRunsAtOnce: two `queue run` processes started together deliver
// each message exactly once.
func TestTwoRunsAtOnce(t *testing.T) {
	const n = 60
	dir := t.TempDir()
	fastOutbox(t, dir)
	srv := smtptest.Start(t, smtptest.Config{})
	// Slow replies keep both runs busy long enough to overlap.
	saveProfile(t, dir, nil, "127.0.0.1", slowProxy(t, srv.Addr, time.Millisecond), "none", "none")
	ids := enqueueN(t, dir, "p", n)
	a, outA := startRun(t, dir, "--json")
	b, outB := startRun(t, dir, "--json")
	for _, c := range []*exec.Cmd{a, b} {
		if err := c.Wait(); err != nil {
			t.Fatalf("queue run: %v\n%s\n%s", err, outA, outB)
		}
	}
	got := map[string]int{}
	for _, m := range srv.Messages() {
		got[messageID(m.Data)]++
	}
	for _, id := range ids {
		if got[id] != 1 {
			t.Fatalf("%s delivered %d times", id, got[id])
		}
	}
	if c := checkOutbox(t, dir); c.Sent != n || c.Waiting() != 0 {
		t.Fatalf("%+v", c)
	}
	t.Logf("runner A: %s", firstLine(outA.String(), `"sent"`))
	t.Logf("runner B: %s", firstLine(outB.String(), `"sent"`))
	// Each summary is the outbox's final state, not what its run saw when
	// the other was still sending (issue 15, defect 17).
	for _, out := range []*bytes.Buffer{outA, outB} {
		var rep struct {
			Waiting int    `json:"waiting"`
			NextDue string `json:"next_due"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if rep.Waiting != 0 || rep.NextDue != "" {
			t.Errorf("a run reports %d waiting, next at %q, after every message was sent", rep.Waiting, rep.NextDue)
		}
	}
}

func firstLine(s, containing string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, containing) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// TestQueueCommandExitCodes: the contract's exit codes of retry and delete.
func TestQueueCommandExitCodes(t *testing.T) {
	dir := t.TempDir()
	fastOutbox(t, dir)
	srv := smtptest.Start(t, smtptest.Config{})
	saveProfile(t, dir, nil, "127.0.0.1", srv.Port, "none", "none", "--timeout", "10s")
	enqueueN(t, dir, "p", 1)
	if r := run(t, dir, "", nil, "queue", "run"); r.code != 0 || !strings.Contains(r.stdout, "1 sent") {
		t.Fatalf("run: %d %s %s", r.code, r.stdout, r.stderr)
	}
	sent := listQueue(t, dir)[0].ID
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"queue", "retry", sent}, 2, "already sent"},
		{[]string{"queue", "retry", "nosuchid0000000"}, 2, "no such message"},
		{[]string{"queue", "delete", "nosuchid0000000"}, 2, "no such message"},
		{[]string{"queue", "retry"}, 2, "needs one message id"},
		{[]string{"queue", "retry", sent, "--all"}, 2, "needs one message id"},
		{[]string{"queue", "frobnicate"}, 2, "no queue subcommand"},
		{[]string{"queue", "retry", "--all"}, 0, "0 messages made due now"},
	} {
		r := run(t, dir, "", nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.says) {
			t.Errorf("%v: exit %d, want %d saying %q:\n%s%s", tc.args, r.code, tc.code, tc.says, r.stdout, r.stderr)
		}
	}

	// A message a live runner holds cannot be deleted; once that runner is
	// gone (killed mid-DATA), it can.
	srv.Set(func(c *smtptest.Config) { c.StallAt = smtptest.StallData })
	enqueueN(t, dir, "p", 1)
	var held string
	for _, it := range listQueue(t, dir) {
		if it.State != "sent" {
			held = it.ID
		}
	}
	cmd, out := startRun(t, dir)
	defer cmd.Process.Kill()
	deadline := time.Now().Add(5 * time.Second)
	for {
		items := listQueue(t, dir)
		if slices.ContainsFunc(items, func(it queueItem) bool { return it.ID == held && it.State == "sending" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the runner never claimed the message: %s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := run(t, dir, "", nil, "queue", "delete", held); r.code != 2 || !strings.Contains(r.stderr, "being sent") {
		t.Fatalf("delete of a held message: exit %d %s", r.code, r.stderr)
	}
	if r := run(t, dir, "", nil, "queue", "retry", held); r.code != 2 {
		t.Fatalf("retry of a held message: exit %d %s", r.code, r.stderr)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if r := run(t, dir, "", nil, "queue", "delete", held); r.code != 0 {
		t.Fatalf("delete after the runner died: exit %d %s", r.code, r.stderr)
	}
	if items := listQueue(t, dir); len(items) != 1 || items[0].ID != sent {
		t.Fatalf("%+v", items)
	}
}

// TestQueueRunReportsEveryOutcome: exit 0 whatever happened to each
// message; --json gives one object with the counts.
func TestQueueRunReportsEveryOutcome(t *testing.T) {
	dir := t.TempDir()
	fastOutbox(t, dir)
	good := smtptest.Start(t, smtptest.Config{})
	bad := smtptest.Start(t, smtptest.Config{FailMail: &smtptest.Reply{Code: 550, Enhanced: "5.7.1", Message: "Not you"}})
	saveProfile(t, dir, nil, "127.0.0.1", good.Port, "none", "none")
	enqueueN(t, dir, "p", 2)
	run(t, dir, "", nil, "profile", "save", "q", "--host", "127.0.0.1", "--port", fmt.Sprint(bad.Port),
		"--security", "none", "--auth", "none", "--from", "me@example.com")
	enqueueN(t, dir, "q", 1)
	enqueueN(t, dir, "gone", 1) // its profile does not exist
	r := run(t, dir, "", nil, "queue", "run", "--json")
	var rep struct {
		OK       bool `json:"ok"`
		Sent     int  `json:"sent"`
		Failed   int  `json:"failed"`
		Deferred int  `json:"deferred"`
		Results  []struct {
			State string `json:"state"`
			Hint  string `json:"hint"`
		} `json:"results"`
	}
	decode(t, r, &rep)
	if r.code != 0 || !rep.OK || rep.Sent != 2 || rep.Failed != 2 || len(rep.Results) != 4 {
		t.Fatalf("exit %d: %s", r.code, r.stdout)
	}
	// For people: one line per message, the hint under failures.
	run(t, dir, "", nil, "queue", "retry", "--all")
	r = run(t, dir, "", nil, "queue", "run")
	if r.code != 0 || strings.Count(r.stdout, "FAILED") != 2 || !strings.Contains(r.stdout, "Hint:") {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
}

// TestBrokenOutboxIsLeftAlone: a corrupt or unreadable outbox gives a clear
// error and exit 2, and is neither changed nor deleted; `test` still reports
// (queued=false) and warns.
func TestBrokenOutboxIsLeftAlone(t *testing.T) {
	garbage := bytes.Repeat([]byte("not a database \x00\x01\xfe"), 300)
	for _, tc := range []struct {
		name       string
		unreadable bool
	}{{"garbage", false}, {"unreadable", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var wrap []string // runs the binary as another user, when root
			if tc.unreadable && os.Geteuid() == 0 {
				setpriv, err := exec.LookPath("setpriv")
				if err != nil {
					t.Skip("running as root and setpriv (util-linux) is missing: cannot make a file unreadable")
				}
				// A directory the unprivileged user can reach, holding a
				// copy of the binary and a config directory it owns.
				base, err := os.MkdirTemp("", "smtpconf-unreadable")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(base) })
				os.Chmod(base, 0o755)
				b, _ := os.ReadFile(binary)
				os.WriteFile(filepath.Join(base, "smtpconf"), b, 0o755)
				dir = filepath.Join(base, "cfg")
				os.Mkdir(dir, 0o700)
				os.Chown(dir, 65534, 65534)
				wrap = []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", filepath.Join(base, "smtpconf")}
			}
			path := filepath.Join(dir, queue.FileName)
			mode := os.FileMode(0o600)
			if tc.unreadable && os.Geteuid() != 0 {
				mode = 0
			}
			if err := os.WriteFile(path, garbage, mode); err != nil {
				t.Fatal(err)
			}
			srv := smtptest.Start(t, smtptest.Config{FailRcpt: &smtptest.Reply{Code: 451, Message: "Later"}})
			saveProfile(t, dir, nil, "127.0.0.1", srv.Port, "none", "none")
			if wrap != nil {
				os.Chown(filepath.Join(dir, smtp.ProfilesFile), 65534, 65534)
			}
			before := dirState(t, dir)
			exe := func(args ...string) result {
				t.Helper()
				if wrap == nil {
					return run(t, dir, "", nil, args...)
				}
				return runCmd(t, exec.Command(wrap[0], append(append(wrap[1:], "--config-dir", dir), args...)...))
			}
			want := "corrupt"
			if tc.unreadable {
				want = "cannot be opened"
			}
			for _, args := range [][]string{
				{"queue", "list"}, {"queue", "list", "--json"}, {"queue", "run"}, {"queue", "run", "--json"},
				{"queue", "retry", "--all"}, {"queue", "delete", "abcdabcd"},
			} {
				r := exe(args...)
				if r.code != 2 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, "Hint:") {
					t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
				}
			}
			// test still reports, with queued=false and a warning.
			r := exe("test", "p", "--json", "--to", "you@example.com")
			var rep testReport
			decode(t, r, &rep)
			if r.code != 7 || rep.Queued || !strings.Contains(r.stderr, "could not be put in the outbox") {
				t.Fatalf("test: exit %d queued %v stderr %q", r.code, rep.Queued, r.stderr)
			}
			if after := dirState(t, dir); after != before {
				t.Fatalf("the config directory changed:\n%s\n%s", before, after)
			}
		})
	}
}

// dirState describes every file in dir: name, mode, size and hash.
func dirState(t *testing.T, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		fi, _ := e.Info()
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		fmt.Fprintf(&b, "%s %v %d %x\n", e.Name(), fi.Mode(), fi.Size(), sha256.Sum256(data))
	}
	return b.String()
}

// slowProxy forwards a local port to target, delaying every chunk the
// server sends by delay: a slow server. It returns the port.
func slowProxy(t *testing.T, target string, delay time.Duration) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, s)
			mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := s.Read(buf)
					if n > 0 {
						time.Sleep(delay)
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestQueueRunStopsOnSIGTERM: a run told to stop mid-send leaves the
// message due again (it may have gone out), not stuck "sending", and says
// it was interrupted (exit 130).
func TestQueueRunStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	fastOutbox(t, dir)
	srv := smtptest.Start(t, smtptest.Config{StallAt: smtptest.StallData})
	saveProfile(t, dir, nil, "127.0.0.1", srv.Port, "none", "none", "--timeout", "30s")
	enqueueN(t, dir, "p", 2)
	cmd, out := startRun(t, dir)
	deadline := time.Now().Add(5 * time.Second)
	for !slices.ContainsFunc(listQueue(t, dir), func(it queueItem) bool { return it.State == "sending" }) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("never claimed: %s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 || !strings.Contains(out.String(), "Stopped") {
		t.Fatalf("exit %v:\n%s", err, out)
	}
	items := listQueue(t, dir)
	if items[0].State != "deferred" || items[0].Attempts != 1 || *items[0].NextAttempt == "" || items[1].State != "queued" || items[1].Attempts != 0 {
		t.Fatalf("%+v", items)
	}
}

// TestTestOpensTheOutboxOnlyToQueue: a test that succeeds, fails for good,
// or fails temporarily with --no-queue never creates the outbox database;
// the first temporary failure does.
func TestTestOpensTheOutboxOnlyToQueue(t *testing.T) {
	dir := t.TempDir()
	srv := smtptest.Start(t, smtptest.Config{})
	saveProfile(t, dir, nil, "127.0.0.1", srv.Port, "none", "none")
	db := filepath.Join(dir, queue.FileName)
	for _, step := range []struct {
		name string
		fail *smtptest.Reply
		args []string
		code int
	}{
		{name: "success"},
		{name: "permanent", fail: &smtptest.Reply{Code: 550, Enhanced: "5.1.1", Message: "No such user"}, code: 6},
		{name: "--no-queue", fail: &smtptest.Reply{Code: 451, Message: "Later"}, args: []string{"--no-queue"}, code: 7},
	} {
		srv.Set(func(c *smtptest.Config) { c.FailRcpt = step.fail })
		r := run(t, dir, "", nil, append([]string{"test", "p", "--json", "--to", "you@example.com"}, step.args...)...)
		if r.code != step.code {
			t.Fatalf("%s: exit %d, want %d\n%s%s", step.name, r.code, step.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(db); !os.IsNotExist(err) {
			t.Fatalf("%s: the outbox database exists (%v)", step.name, err)
		}
	}
	srv.Set(func(c *smtptest.Config) { c.FailRcpt = &smtptest.Reply{Code: 451, Message: "Later"} })
	if r := run(t, dir, "", nil, "test", "p", "--to", "you@example.com"); r.code != 7 || !strings.Contains(r.stdout, "Queued as ") {
		t.Fatalf("temporary: exit %d\n%s", r.code, r.stdout)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("queued, yet no outbox database: %v", err)
	}
}

// TestQueueRunSignsInAsTestDoes: a test message of a signed-in (xoauth2)
// profile that failed temporarily is delivered by `queue run` with the same
// sign-in as `test`, refreshing the expired access token once.
func TestQueueRunSignsInAsTestDoes(t *testing.T) {
	haveKeyring(t)
	dir := t.TempDir()
	fastOutbox(t, dir)
	auth := oauthtest.Start(t, oauthtest.Config{ClientID: "cli-client", Email: oauthAccount})
	mail := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, RequireAuth: true,
		XOAUTH2:  func(user, token string) bool { return user == oauthAccount && auth.Valid(token) },
		FailRcpt: &smtptest.Reply{Code: 451, Enhanced: "4.7.1", Message: "Greylisted"}})
	name := fmt.Sprintf("oauth-queue-%d", time.Now().UnixNano())
	env := auth.Env()
	r := run(t, dir, "", env, "profile", "save", name, "--preset", "outlook", "--host", "127.0.0.1",
		"--port", fmt.Sprint(mail.Port), "--security", "starttls", "--username", oauthAccount,
		"--from", oauthAccount, "--ca-file", mail.CAFile)
	if r.code != 0 {
		t.Fatalf("profile save: exit %d: %s", r.code, r.stderr)
	}
	t.Cleanup(func() { run(t, dir, "", nil, "profile", "delete", name) })
	if r = run(t, dir, "", env, "oauth", "login", name, "--device"); r.code != 0 {
		t.Fatalf("device login: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, dir, "", env, "test", name, "--json")
	var rep testReport
	decode(t, r, &rep)
	if r.code != 7 || !rep.Queued {
		t.Fatalf("test: exit %d\n%s", r.code, r.stdout)
	}
	mail.Set(func(c *smtptest.Config) { c.FailRcpt = nil })
	auth.ExpireAccess()
	if r = run(t, dir, "", env, "queue", "retry", "--all"); r.code != 0 {
		t.Fatalf("retry: exit %d %s", r.code, r.stderr)
	}
	r = run(t, dir, "", env, "queue", "run")
	if r.code != 0 || !strings.Contains(r.stdout, "1 sent") || auth.Count("refresh_token") != 1 {
		t.Fatalf("queue run: exit %d, %d refreshes\n%s%s", r.code, auth.Count("refresh_token"), r.stdout, r.stderr)
	}
	if msgs := mail.Messages(); len(msgs) != 1 || msgs[0].Auth != oauthAccount {
		t.Fatalf("messages %+v", msgs)
	}
}

// TestQueuedHintNamesTheCommand: a message deferred because its profile has
// no password keeps the fix as data in the outbox, so `queue list` words it
// for the terminal with the command to run (the window words it its way).
func TestQueuedHintNamesTheCommand(t *testing.T) {
	haveKeyring(t)
	dir := t.TempDir()
	fastOutbox(t, dir)
	srv := smtptest.Start(t, smtptest.Config{})
	r := run(t, dir, "", nil, "profile", "save", "nopass", "--host", "127.0.0.1", "--port", fmt.Sprint(srv.Port),
		"--security", "none", "--auth", "plain", "--username", "me@example.com", "--from", "me@example.com")
	if r.code != 0 {
		t.Fatalf("profile save: exit %d: %s", r.code, r.stderr)
	}
	enqueueN(t, dir, "nopass", 1)
	if r := run(t, dir, "", nil, "queue", "run"); r.code != 0 {
		t.Fatalf("queue run: exit %d: %s", r.code, r.stderr)
	}
	items := listQueue(t, dir)
	if len(items) != 1 || items[0].State != "deferred" || items[0].Stage != "setup" {
		t.Fatalf("%+v", items)
	}
	if want := "smtpconf profile save NAME --password-stdin"; !strings.Contains(items[0].Hint, want) {
		t.Fatalf("hint %q does not name %q", items[0].Hint, want)
	}
}
