package inbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

// The messages outlive the server: a new server on the same store lists
// them, with their envelope, counts on from their IDs, keeps at most
// MaxMessages (on disk too), and Clear empties the store.
func TestStoreKeepsMessagesAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "messages")
	srv := start(t, Options{CheckLogin: checkLogin, MaxMessages: 3, Store: OpenStore(dir)})
	s, err := smtp.Dial(ctx(t), options(profile(srv), testPass))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		msg := "Subject: n" + string(rune('1'+i)) + "\r\n\r\nbody " + string(rune('1'+i)) + "\r\n"
		if _, err := s.Send(ctx(t), testUser, []string{"you@example.org"}, []byte(msg)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	s.Close()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	before := srv.Messages()

	// The folder holds the three newest, private to the user.
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("store folder: %v %v", fi.Mode(), err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	var names []string
	for _, f := range files {
		fi, _ := os.Stat(f)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", f, fi.Mode())
		}
		names = append(names, filepath.Base(f))
	}
	if got := strings.Join(names, " "); got != "2.eml 3.eml 4.eml index.json" {
		t.Errorf("store files = %s", got)
	}

	srv2 := start(t, Options{CheckLogin: checkLogin, MaxMessages: 3, Store: OpenStore(dir)})
	after := srv2.Messages()
	if len(after) != 3 {
		t.Fatalf("%d messages after the restart, want 3", len(after))
	}
	for i, m := range after {
		b := before[i]
		if m.ID != b.ID || m.Subject != b.Subject || m.From != testUser || strings.Join(m.To, ",") != "you@example.org" ||
			!m.TLS || m.Username != testUser || !m.Received.Equal(b.Received) || string(m.Raw) != string(b.Raw) || !strings.Contains(m.Text, "body") {
			t.Errorf("message %d after the restart = %+v, before %+v", i, m, b)
		}
	}
	// New messages count on.
	s, err = smtp.Dial(ctx(t), options(profile(srv2), testPass))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Send(ctx(t), testUser, []string{"you@example.org"}, []byte("Subject: n5\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	if m := srv2.Messages(); len(m) != 3 || m[2].ID != 5 || m[0].ID != 3 {
		t.Errorf("after one more: %d messages, last ID %d", len(m), m[len(m)-1].ID)
	}

	if err := srv2.Clear(); err != nil {
		t.Fatal(err)
	}
	if m, next, err := OpenStore(dir).Load(); err != nil || len(m) != 0 || next != 6 {
		t.Errorf("after Clear: %d messages, next %d, %v", len(m), next, err)
	}
	if eml, _ := filepath.Glob(filepath.Join(dir, "*.eml")); len(eml) != 0 {
		t.Errorf("files left after Clear: %v", eml)
	}
}

// A missing store is empty; a damaged index is an error at Load and is
// replaced by the next Add; a message whose file is gone is left out.
func TestStoreDamage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "messages")
	st := OpenStore(dir)
	if m, next, err := st.Load(); err != nil || len(m) != 0 || next != 1 {
		t.Fatalf("missing store: %d, %d, %v", len(m), next, err)
	}
	if err := st.Clear(); err != nil {
		t.Fatalf("Clear of a missing store: %v", err)
	}
	now := time.Now()
	for id := 1; id <= 2; id++ {
		if err := st.Add(Message{ID: id, Received: now, From: "a@example.com", To: []string{"b@example.com"}, Raw: []byte("Subject: s\r\n\r\nx\r\n")}, 0); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(filepath.Join(dir, "1.eml"))
	if m, next, err := st.Load(); err != nil || len(m) != 1 || m[0].ID != 2 || m[0].Subject != "s" || next != 3 {
		t.Errorf("with a file gone: %+v, %d, %v", m, next, err)
	}
	if err := os.WriteFile(filepath.Join(dir, StoreIndexFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Load(); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged index: %v", err)
	}
	if err := st.Add(Message{ID: 7, Raw: []byte("Subject: t\r\n\r\n")}, 0); err != nil {
		t.Fatal(err)
	}
	if m, _, err := st.Load(); err != nil || len(m) != 1 || m[0].ID != 7 {
		t.Errorf("after replacing a damaged index: %+v %v", m, err)
	}
}
