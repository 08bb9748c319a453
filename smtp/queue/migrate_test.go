package queue

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
)

// schemaV1 is the messages table as version 1 made it (no last_remedy).
const schemaV1 = `CREATE TABLE messages (
	id TEXT PRIMARY KEY, profile TEXT NOT NULL, mail_from TEXT NOT NULL, rcpt_to TEXT NOT NULL,
	subject TEXT NOT NULL DEFAULT '', message_id TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('queued','sending','deferred','sent','failed')),
	attempts INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, next_attempt INTEGER NOT NULL DEFAULT 0,
	give_up_at INTEGER NOT NULL, last_attempt INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
	last_stage TEXT NOT NULL DEFAULT '', last_code INTEGER NOT NULL DEFAULT 0, last_enhanced TEXT NOT NULL DEFAULT '',
	last_hint TEXT NOT NULL DEFAULT '', last_kind TEXT NOT NULL DEFAULT '', lease_owner TEXT NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0, sent_at INTEGER NOT NULL DEFAULT 0, reply TEXT NOT NULL DEFAULT '')`

// TestOpenUpgradesVersion1: an outbox written by version 1 keeps its
// messages and gains the remedy and origin columns (its messages were all
// tests); the file then says the current version.
func TestOpenUpgradesVersion1(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		schemaV1,
		`CREATE TABLE bodies (id TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE, raw BLOB NOT NULL)`,
		`CREATE TABLE transcripts (id TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE, lines TEXT NOT NULL)`,
		`INSERT INTO messages (id, profile, mail_from, rcpt_to, subject, size, state, attempts, created, next_attempt,
			give_up_at, last_error, last_hint, last_kind)
			VALUES ('m1', 'p', 'me@example.com', '["you@example.com"]', 'old', 5, 'deferred', 1, 1, 2, 9999999999999,
			'451 later', 'Try again later.', 'temporary')`,
		`INSERT INTO bodies (id, raw) VALUES ('m1', 'hello')`,
		`PRAGMA user_version = 1`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	o, err := Open(dir, DefaultSettings())
	if err != nil {
		t.Fatalf("an outbox of version 1 must open: %v", err)
	}
	defer o.Close()
	var v int
	if err := o.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("version %d (%v), want %d", v, err, SchemaVersion)
	}
	got := get(t, o, "m1")
	if got.Subject != "old" || got.State != Deferred || got.LastHint != "Try again later." ||
		got.LastRemedy != (smtp.Remedy{}) || string(got.Raw) != "hello" || got.Origin != OriginTest {
		t.Fatalf("the old entry changed: %+v", got)
	}
	// A new entry can carry a remedy in the upgraded file.
	e := enqueue(t, o, testMessage("p", 1))
	if _, err := o.db.Exec("UPDATE messages SET last_remedy = 'store-password' WHERE id = ?", e.ID); err != nil {
		t.Fatal(err)
	}
	if r := get(t, o, e.ID).LastRemedy; r.Action != smtp.RemedyStorePassword {
		t.Fatalf("remedy %+v", r)
	}
}
