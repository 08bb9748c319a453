package queue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

func TestOpenCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	o, err := Open(dir, DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, o, testMessage("p", 1))
	for _, name := range []string{FileName, FileName + "-wal"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", name, fi, err)
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v", fi.Mode())
	}
	var mode string
	o.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal mode %q", mode)
	}
	o.Close()
	// Reopening keeps the data.
	o, err = Open(dir, DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if l, err := o.List(context.Background()); err != nil || len(l) != 1 {
		t.Fatalf("%v %v", l, err)
	}
	if err := o.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestBadFilesAreLeftAlone: a file that is not a usable outbox gives a clear
// error of the right kind, and is neither changed nor deleted.
func TestBadFilesAreLeftAlone(t *testing.T) {
	foreign := func(t *testing.T, path string) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE TABLE notes (x TEXT)"); err != nil {
			t.Fatal(err)
		}
	}
	newer := func(t *testing.T, path string) {
		db, _ := sql.Open("sqlite", path)
		defer db.Close()
		if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
			t.Fatal(err)
		}
	}
	garbage := bytes.Repeat([]byte("this is not a database\x00\xff"), 200)
	cases := []struct {
		name string
		make func(t *testing.T, path string)
		kind error
		root bool // still meaningful when running as root
	}{
		{"garbage", func(t *testing.T, p string) { os.WriteFile(p, garbage, 0o600) }, ErrCorrupt, true},
		{"truncated header", func(t *testing.T, p string) { os.WriteFile(p, []byte("SQLite format 3\x00\x10\x00"), 0o600) }, ErrCorrupt, true},
		{"another program's database", foreign, ErrCorrupt, true},
		{"newer version", newer, ErrNewerSchema, true},
		{"unreadable", func(t *testing.T, p string) { os.WriteFile(p, garbage, 0o000) }, ErrUnreadable, false},
		{"a directory", func(t *testing.T, p string) { os.Mkdir(p, 0o700) }, ErrUnreadable, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.root && os.Geteuid() == 0 {
				t.Skip("root reads any file (the command-line test drops privileges for this)")
			}
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			tc.make(t, path)
			before := snapshot(t, dir)
			_, err := Open(dir, DefaultSettings())
			var oe *OpenError
			if !errors.Is(err, tc.kind) || !errors.As(err, &oe) || oe.Hint() == "" || !strings.Contains(err.Error(), path) {
				t.Fatalf("err %v, want %v", err, tc.kind)
			}
			if after := snapshot(t, dir); !sameMap(before, after) {
				t.Fatalf("the directory changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// snapshot maps each file in dir to its contents and mode.
func snapshot(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fi, _ := e.Info()
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out[e.Name()] = fmt.Sprintf("%s %d bytes, sha256 %x", fi.Mode(), len(b), sha256.Sum256(b))
	}
	return out
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestEnqueueAndList(t *testing.T) {
	ctx := context.Background()
	o := openTest(t, DefaultSettings())
	var ids []string
	for i := range 5 {
		ids = append(ids, enqueue(t, o, testMessage("p", i)).ID)
	}
	if !slices.IsSorted(ids) {
		t.Fatalf("ids do not sort by creation: %v", ids)
	}
	l, err := o.List(ctx)
	if err != nil || len(l) != 5 {
		t.Fatal(l, err)
	}
	for i, e := range l {
		if e.ID != ids[i] || e.State != Queued || e.Subject == "" || !strings.HasPrefix(e.MessageID, "<m") ||
			e.Attempts != 0 || e.NextAttempt.IsZero() || e.Created.IsZero() || e.Raw != nil || len(e.To) != 1 {
			t.Fatalf("entry %d: %+v", i, e)
		}
		if !e.Due(time.Now()) {
			t.Fatalf("a new message is not due")
		}
		if got := e.GiveUpAt.Sub(e.Created); got != 72*time.Hour {
			t.Fatalf("give-up after %s", got)
		}
	}
	full := get(t, o, ids[0])
	if !bytes.Contains(full.Raw, []byte("Body of message 0")) {
		t.Fatalf("raw %q", full.Raw)
	}
	for _, bad := range []Message{
		{From: "a@b", To: []string{"c@d"}, Raw: []byte("x")},
		{Profile: "p", From: "a@b", Raw: []byte("x")},
		{Profile: "p", From: "a@b", To: []string{"c@d"}},
		{Profile: "p", From: "a@b\r\nRCPT TO:<x@y>", To: []string{"c@d"}, Raw: []byte("x")},
	} {
		if _, err := o.Enqueue(ctx, bad); !errors.Is(err, ErrInvalidMessage) {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
}

func TestEnqueueAttempted(t *testing.T) {
	o := openTest(t, DefaultSettings())
	r := smtp.Report{Stage: smtp.StageRcpt, Code: 451, Enhanced: "4.7.1", Message: "451 4.7.1 Try again later",
		Hint: "retry later", Kind: "temporary", Temporary: true, Transcript: []string{"S: 220 hi", "C: EHLO x"},
		Remedy: smtp.Remedy{Action: smtp.RemedySignIn, Provider: "google", ProviderName: "Google"}}
	tm, err := smtp.BuildTestMessage(smtp.Profile{Name: "p", From: "me@example.com"}, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e, err := o.EnqueueAttempted(context.Background(), FromTest("p", tm), AttemptFromReport(r))
	if err != nil {
		t.Fatal(err)
	}
	got := get(t, o, e.ID)
	if got.Origin != OriginTest {
		t.Errorf("origin %q, want test", got.Origin)
	}
	wait := got.NextAttempt.Sub(got.LastAttempt)
	if got.State != Deferred || got.Attempts != 1 || got.LastCode != 451 || got.LastStage != smtp.StageRcpt ||
		got.LastHint != "retry later" || got.MessageID != tm.MessageID || !bytes.Equal(got.Raw, tm.Bytes) ||
		len(got.Transcript) != 2 || wait < 48*time.Second || wait > 72*time.Second || got.LastRemedy != r.Remedy {
		t.Fatalf("%+v (wait %s)", got, wait)
	}
}

func TestRetryAndDelete(t *testing.T) {
	ctx := context.Background()
	o := openTest(t, DefaultSettings())
	mk := func(state State) string {
		e := enqueue(t, o, testMessage("p", 1))
		_, err := o.db.Exec("UPDATE messages SET state = ?, attempts = 3, next_attempt = ?, give_up_at = ? WHERE id = ?",
			string(state), ms(time.Now().Add(time.Hour)), ms(time.Now().Add(-time.Hour)), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	deferred, failed, sent := mk(Deferred), mk(Failed), mk(Sent)

	e, err := o.Retry(ctx, deferred)
	if err != nil || e.State != Queued || !e.Due(time.Now()) || e.Attempts != 3 || e.GiveUpAt.After(time.Now()) {
		t.Fatalf("retry deferred: %+v %v", e, err)
	}
	e, err = o.Retry(ctx, failed)
	if err != nil || e.State != Queued || !e.Due(time.Now()) || e.GiveUpAt.Before(time.Now().Add(71*time.Hour)) {
		t.Fatalf("retry failed (fresh give-up time): %+v %v", e, err)
	}
	if _, err := o.Retry(ctx, sent); !errors.Is(err, ErrAlreadySent) {
		t.Fatalf("retry sent: %v", err)
	}
	if _, err := o.Retry(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("retry unknown: %v", err)
	}
	mk(Deferred)
	mk(Failed)
	if n, err := o.RetryAll(ctx); n != 2 || err != nil {
		t.Fatalf("RetryAll: %d %v", n, err)
	}
	if err := o.Delete(ctx, sent); err != nil {
		t.Fatal(err)
	}
	if err := o.Delete(ctx, sent); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	var bodies int
	o.db.QueryRow("SELECT count(*) FROM bodies WHERE id = ?", sent).Scan(&bodies)
	if bodies != 0 {
		t.Fatal("the message bytes outlived the entry")
	}
	// A message held by a live runner (this process) cannot be deleted.
	_, err = o.db.Exec("UPDATE messages SET state='sending', lease_owner=?, lease_until=? WHERE id=?",
		self().String(), ms(time.Now().Add(time.Minute)), deferred)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Delete(ctx, deferred); !errors.Is(err, ErrBusy) {
		t.Fatalf("delete held: %v", err)
	}
	if _, err := o.Retry(ctx, deferred); !errors.Is(err, ErrBusy) {
		t.Fatalf("retry held: %v", err)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	o := openTest(t, DefaultSettings())
	a := enqueue(t, o, testMessage("p", 1))
	if id, err := o.Resolve(ctx, a.ID); id != a.ID || err != nil {
		t.Fatal(id, err)
	}
	if id, err := o.Resolve(ctx, strings.ToUpper(a.ID[:12])); id != a.ID || err != nil {
		t.Fatal(id, err)
	}
	enqueue(t, o, testMessage("p", 2))
	if _, err := o.Resolve(ctx, a.ID[:4]); !errors.Is(err, ErrAmbiguous) {
		t.Fatal(err)
	}
	if _, err := o.Resolve(ctx, "zzzzzzzz"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}

func TestPruneKeepsNewestSent(t *testing.T) {
	ctx := context.Background()
	s := DefaultSettings()
	s.KeepSent = 3
	o := openTest(t, s)
	var ids []string
	for i := range 6 {
		e := enqueue(t, o, testMessage("p", i))
		o.db.Exec("UPDATE messages SET state='sent', sent_at=? WHERE id=?", 1000+i, e.ID)
		ids = append(ids, e.ID)
	}
	f := enqueue(t, o, testMessage("p", 9))
	o.db.Exec("UPDATE messages SET state='failed' WHERE id=?", f.ID)
	if err := o.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	l, _ := o.List(ctx)
	var got []string
	for _, e := range l {
		got = append(got, e.ID)
	}
	want := append(append([]string{}, ids[3:]...), f.ID)
	if !slices.Equal(got, want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
}

func TestSchedule(t *testing.T) {
	sc := DefaultSettings().Schedule
	for _, tc := range []struct {
		attempts, code int
		want           time.Duration
	}{
		{1, 451, time.Minute},
		{2, 451, 2 * time.Minute},
		{3, 0, 4 * time.Minute},
		{7, 0, time.Hour},
		{40, 0, time.Hour},
		{1, 421, 5 * time.Minute},  // the rate-limit floor
		{4, 421, 16 * time.Minute}, // twice the normal wait
		{9, 421, time.Hour},        // still capped
	} {
		if got := sc.Delay(tc.attempts, tc.code, 0.5); got != tc.want {
			t.Errorf("Delay(%d, %d) = %s, want %s", tc.attempts, tc.code, got, tc.want)
		}
	}
	// Jitter: ±20 %.
	if lo, hi := sc.Delay(1, 0, 0), sc.Delay(1, 0, 0.999999); lo != 48*time.Second || hi < 71*time.Second || hi > 72*time.Second {
		t.Errorf("jitter range %s..%s", lo, hi)
	}
}

func TestSettingsFile(t *testing.T) {
	dir := t.TempDir()
	s, err := LoadSettings(dir)
	if err != nil || s != DefaultSettings() {
		t.Fatalf("no file: %+v %v", s, err)
	}
	os.WriteFile(filepath.Join(dir, SettingsFile), []byte(`{"schedule":{"first":"2m"},"give_up":"120h","keep_sent":10}`), 0o600)
	s, err = LoadSettings(dir)
	if err != nil || s.Schedule.First != Duration(2*time.Minute) || s.Schedule.Max != Duration(time.Hour) ||
		s.GiveUp != Duration(120*time.Hour) || s.KeepSent != 10 {
		t.Fatalf("%+v %v", s, err)
	}
	for _, bad := range []string{`{"give_up":"soon"}`, `{"schedule":{"first":"0s"}}`, `{"keepsent":1}`, `[`} {
		os.WriteFile(filepath.Join(dir, SettingsFile), []byte(bad), 0o600)
		if _, err := LoadSettings(dir); !errors.Is(err, ErrSettings) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestOwnerLiveness(t *testing.T) {
	me := self()
	if me.check(me.String()) != alive {
		t.Fatal("this process is not alive")
	}
	reused := me
	reused.Start++
	if me.check(reused.String()) != gone {
		t.Fatal("a reused PID counts as alive")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	exited := me
	exited.PID = cmd.Process.Pid
	if me.check(exited.String()) != gone {
		t.Fatal("an exited process counts as alive")
	}
	other := me
	other.Host = "elsewhere"
	if me.check(other.String()) != unknown {
		t.Fatal("another host's process was judged")
	}
	rebooted := me
	rebooted.Boot = "another-boot"
	if me.check(rebooted.String()) != gone {
		t.Fatal("a process of an earlier boot counts as alive")
	}
	if me.check("garbage") != unknown {
		t.Fatal("garbage")
	}
}

func TestNextDueAndCounts(t *testing.T) {
	ctx := context.Background()
	o := openTest(t, DefaultSettings())
	if next, err := o.NextDue(ctx); err != nil || !next.IsZero() {
		t.Fatal(next, err)
	}
	e := enqueue(t, o, testMessage("p", 1))
	if next, _ := o.NextDue(ctx); next.After(time.Now()) {
		t.Fatalf("next %s", next)
	}
	later := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	o.db.Exec("UPDATE messages SET state='deferred', next_attempt=? WHERE id=?", ms(later), e.ID)
	if next, _ := o.NextDue(ctx); !next.Equal(later) {
		t.Fatalf("next %s, want %s", next, later)
	}
	c, _ := o.Counts(ctx)
	if c.Deferred != 1 || c.Waiting() != 1 {
		t.Fatalf("%+v", c)
	}
}

func TestDecodeAddrs(t *testing.T) {
	for _, to := range [][]string{
		{"a@example.com"},
		{"a@example.com", "b@example.org"},
		{`"odd,local"@example.com`, `"q\"uote"@example.com`, "x@y"},
		{"ünï@exämple.com"},
		{`a","b@example.com`},
	} {
		b, _ := json.Marshal(to)
		got, err := decodeAddrs(string(b))
		if err != nil || !slices.Equal(got, to) {
			t.Errorf("%s: %q %v", b, got, err)
		}
	}
	if _, err := decodeAddrs(`["a@b"`); err == nil {
		t.Error("broken JSON accepted")
	}
}
