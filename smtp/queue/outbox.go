package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// FileName is the outbox database's name in the config directory.
const FileName = "outbox.db"

// SchemaVersion is the version of the database layout this code reads and
// writes, kept in PRAGMA user_version.
const SchemaVersion = 3

// busyTimeout is how long a statement waits for another process's write
// transaction before giving up with "database is locked".
const busyTimeout = 10 * time.Second

// Errors. Test them with errors.Is.
var (
	// ErrCorrupt: the outbox file is not a usable database (garbage, truncated,
	// damaged). It is reported and left exactly as it is.
	ErrCorrupt = errors.New("the outbox database is corrupt")
	// ErrUnreadable: the outbox file exists but cannot be opened (permissions).
	ErrUnreadable = errors.New("the outbox database cannot be opened")
	// ErrNewerSchema: the outbox was written by a newer smtpconf.
	ErrNewerSchema = errors.New("the outbox database is from a newer version")
	// ErrNotFound: no entry has this id.
	ErrNotFound = errors.New("no such message in the outbox")
	// ErrAmbiguous: an id prefix matches more than one entry.
	ErrAmbiguous = errors.New("the id prefix matches several messages")
	// ErrAlreadySent: the message was delivered; it cannot be retried.
	ErrAlreadySent = errors.New("the message was already sent")
	// ErrBusy: a live runner holds the message (it is being sent right now).
	ErrBusy = errors.New("the message is being sent right now")
	// ErrInvalidMessage: Enqueue was given an unusable message.
	ErrInvalidMessage = errors.New("invalid message for the outbox")
	// ErrClosed: the Outbox was closed.
	ErrClosed = errors.New("the outbox is closed")
)

// OpenError is a failure to open the outbox: the file is corrupt, unreadable,
// or from a newer version. The file is never modified, deleted or replaced.
type OpenError struct {
	Path string
	Kind error // ErrCorrupt, ErrUnreadable or ErrNewerSchema
	Err  error // the underlying error, if any
}

func (e *OpenError) Error() string {
	s := fmt.Sprintf("%v: %s", e.Kind, e.Path)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap gives errors.Is access to Kind and Err.
func (e *OpenError) Unwrap() []error {
	out := []error{e.Kind}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// Hint says what to do about it, in plain language and the language of the
// moment. (Error() stays English: it is the technical record.)
func (e *OpenError) Hint() string {
	switch e.Kind {
	case ErrUnreadable:
		return l10n.L("Check the permissions of {{.File}} (it must be readable and writable by you; the app creates it with mode 0600). It was left as it is.", map[string]any{"File": e.Path})
	case ErrNewerSchema:
		return l10n.L("This outbox was written by a newer version of smtpconf. Upgrade smtpconf; the file was left as it is.")
	}
	return l10n.L("The outbox file {{.File}} was left exactly as it is: nothing was deleted or overwritten. Move it aside (the messages in it are then no longer sent) to start a new outbox, or restore it from a backup.", map[string]any{"File": e.Path})
}

// Outbox is an open outbox database. It is safe for concurrent use by
// several goroutines, and the file may be shared with other processes.
type Outbox struct {
	db       *sql.DB // reads and durable writes
	book     *sql.DB // delivery bookkeeping, not synced at every commit
	path     string
	settings Settings
	owner    owner

	// Now is the outbox's clock: creation, give-up and next-attempt times,
	// lease expiry and due checks all read it, so tests can move time
	// instead of sleeping through a backoff. Nil means time.Now. Set it
	// before the outbox is used; it is not guarded.
	Now func() time.Time

	wmu     sync.Mutex    // serialises this process's write transactions
	changed chan struct{} // signalled when work may have become due (Enqueue, Retry)
	closed  chan struct{}
	once    sync.Once
}

// Open opens (creating it if needed) the outbox in the config directory dir,
// with the given settings (see LoadSettings). The directory is created 0700
// and the file 0600. A file that is not a usable outbox gives an *OpenError
// and is left untouched.
func Open(dir string, s Settings) (*Outbox, error) {
	if err := smtp.EnsureConfigDir(dir); err != nil {
		return nil, err
	}
	return OpenFile(filepath.Join(dir, FileName), s)
}

// OpenFile opens the outbox database at path; see Open.
func OpenFile(path string, s Settings) (*Outbox, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Create it ourselves, so it is 0600 from its first byte (SQLite
		// would use 0644, and its -wal and -shm files copy the database's
		// mode). O_EXCL: never truncate a file someone else just made.
		f, cerr := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if cerr == nil {
			f.Close()
		} else if !errors.Is(cerr, fs.ErrExist) {
			return nil, fmt.Errorf("cannot create the outbox %s: %w", path, cerr)
		}
	case err != nil:
		return nil, &OpenError{Path: path, Kind: ErrUnreadable, Err: err}
	case !fi.Mode().IsRegular():
		return nil, &OpenError{Path: path, Kind: ErrUnreadable, Err: fmt.Errorf("not a regular file (%s)", fi.Mode().Type())}
	}

	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	// FULL: a commit is on disk when Enqueue returns (durable enqueue).
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	dsn := func(sync string) string {
		q := maps.Clone(q)
		q.Add("_pragma", "synchronous("+sync+")")
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}
	// db: reads, and durable writes (FULL: on disk when the call returns).
	db, err := sql.Open("sqlite", dsn("FULL"))
	if err != nil {
		return nil, fmt.Errorf("cannot open the outbox %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	// book: delivery bookkeeping (claims, outcomes). NORMAL survives any
	// crash of a process; a power cut may forget the latest outcomes,
	// which at worst sends a message again: at-least-once still holds.
	book, err := sql.Open("sqlite", dsn("NORMAL"))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot open the outbox %s: %w", path, err)
	}
	book.SetMaxOpenConns(1)
	book.SetMaxIdleConns(1)
	o := &Outbox{
		db: db, book: book, path: path, settings: s, owner: self(),
		changed: make(chan struct{}, 1), closed: make(chan struct{}),
	}
	if err := o.init(); err != nil {
		db.Close()
		book.Close()
		return nil, err
	}
	return o, nil
}

// now reads the outbox's clock (see Outbox.Now).
func (o *Outbox) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// init checks the file and creates or checks the schema.
func (o *Outbox) init() error {
	ctx, cancel := context.WithTimeout(context.Background(), busyTimeout+5*time.Second)
	defer cancel()
	version, err := o.version(ctx, o.db)
	if err != nil {
		return err
	}
	if version == 0 {
		// A new file (or a database that is not ours: create refuses it).
		if err := o.create(ctx); err != nil {
			return err
		}
		if version, err = o.version(ctx, o.db); err != nil {
			return err
		}
	}
	if version > SchemaVersion {
		return &OpenError{Path: o.path, Kind: ErrNewerSchema,
			Err: fmt.Errorf("schema version %d; this smtpconf reads up to %d", version, SchemaVersion)}
	}
	var n int
	err = o.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name IN ('messages','bodies','transcripts')").Scan(&n)
	if err != nil {
		return o.openErr(err)
	}
	if n != 3 {
		return &OpenError{Path: o.path, Kind: ErrCorrupt, Err: errors.New("tables are missing")}
	}
	if version < SchemaVersion {
		if err := o.migrate(ctx); err != nil {
			return err
		}
	}
	// WAL is a property of the file: set once, every connection uses it.
	// Only now, for a file known to be ours: it rewrites the header.
	var mode string
	if err := o.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return o.openErr(err)
	}
	if mode != "wal" {
		o.wmu.Lock()
		err := o.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		o.wmu.Unlock()
		if err != nil {
			return o.openErr(err)
		}
	}
	return nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (o *Outbox) version(ctx context.Context, q queryer) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, o.openErr(err)
	}
	return v, nil
}

// migrations bring an older file up to date: migrations[v] takes version
// v-1 to v. Each only adds, so an entry written before still reads the same.
var migrations = map[int][]string{
	2: {`ALTER TABLE messages ADD COLUMN last_remedy TEXT NOT NULL DEFAULT ''`},
	// Before version 3 only test messages were queued.
	3: {`ALTER TABLE messages ADD COLUMN origin TEXT NOT NULL DEFAULT ''`, `UPDATE messages SET origin = 'test'`},
}

// migrate brings the file to SchemaVersion.
func (o *Outbox) migrate(ctx context.Context) error {
	return o.schemaTx(ctx, func(tx *sql.Tx, v int) (bool, error) {
		for ; v < SchemaVersion; v++ {
			for _, stmt := range migrations[v+1] {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return false, o.openErr(fmt.Errorf("upgrading the outbox to version %d: %w", v+1, err))
				}
			}
		}
		return true, nil
	})
}

// create makes the schema in an empty database.
func (o *Outbox) create(ctx context.Context) error {
	return o.schemaTx(ctx, func(tx *sql.Tx, v int) (bool, error) {
		if v != 0 {
			return false, nil
		}
		var objects int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
			return false, o.openErr(err)
		}
		if objects != 0 {
			return false, &OpenError{Path: o.path, Kind: ErrCorrupt, Err: errors.New("the file is an SQLite database, but not an outbox")}
		}
		for _, stmt := range schema {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return false, o.openErr(err)
			}
		}
		return true, nil
	})
}

// schemaTx changes the schema in one write transaction: fn gets the version
// read inside it (another process may be doing the same) and says whether
// it changed anything; if so, the file is marked SchemaVersion.
func (o *Outbox) schemaTx(ctx context.Context, fn func(tx *sql.Tx, version int) (changed bool, err error)) error {
	o.wmu.Lock()
	defer o.wmu.Unlock()
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return o.openErr(err)
	}
	defer tx.Rollback()
	v, err := o.version(ctx, tx)
	if err != nil {
		return err
	}
	if changed, err := fn(tx, v); err != nil || !changed {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion)); err != nil {
		return o.openErr(err)
	}
	if err := tx.Commit(); err != nil {
		return o.openErr(err)
	}
	return nil
}

// schema is the current version (SchemaVersion), made at once in a new file. Times are Unix milliseconds (UTC); 0 means none.
// The message bytes and the transcript live in their own tables so that
// listing reads only the small rows.
var schema = []string{
	`CREATE TABLE messages (
		id            TEXT PRIMARY KEY,
		profile       TEXT NOT NULL,
		mail_from     TEXT NOT NULL,
		rcpt_to       TEXT NOT NULL,              -- JSON array of addresses
		subject       TEXT NOT NULL DEFAULT '',
		message_id    TEXT NOT NULL DEFAULT '',
		size          INTEGER NOT NULL,
		state         TEXT NOT NULL CHECK (state IN ('queued','sending','deferred','sent','failed')),
		attempts      INTEGER NOT NULL DEFAULT 0,
		created       INTEGER NOT NULL,
		next_attempt  INTEGER NOT NULL DEFAULT 0,  -- when queued/deferred may be tried
		give_up_at    INTEGER NOT NULL,
		last_attempt  INTEGER NOT NULL DEFAULT 0,
		last_error    TEXT NOT NULL DEFAULT '',
		last_stage    TEXT NOT NULL DEFAULT '',
		last_code     INTEGER NOT NULL DEFAULT 0,
		last_enhanced TEXT NOT NULL DEFAULT '',
		last_hint     TEXT NOT NULL DEFAULT '',
		last_kind     TEXT NOT NULL DEFAULT '',
		last_remedy   TEXT NOT NULL DEFAULT '',    -- smtp.Remedy.String(): the fix as data
		lease_owner   TEXT NOT NULL DEFAULT '',    -- host, boot, pid namespace, pid, start time
		lease_until   INTEGER NOT NULL DEFAULT 0,
		sent_at       INTEGER NOT NULL DEFAULT 0,
		reply         TEXT NOT NULL DEFAULT '',
		origin        TEXT NOT NULL DEFAULT ''     -- how it came in: test, relay, sendmail
	)`,
	// Claims walk a profile's waiting messages oldest first and stop at the
	// first due one; sent and failed entries are not in this index at all.
	`CREATE INDEX messages_waiting ON messages (profile, created, id) WHERE state IN ('queued','deferred','sending')`,
	`CREATE INDEX messages_due ON messages (state, next_attempt)`,
	`CREATE INDEX messages_sent ON messages (state, sent_at)`,
	`CREATE TABLE bodies (
		id  TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
		raw BLOB NOT NULL                          -- the exact RFC 5322 bytes; never a password
	)`,
	`CREATE TABLE transcripts (
		id    TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
		lines TEXT NOT NULL                        -- JSON array, secrets already removed
	)`,
}

// openErr classifies an error met while opening.
func (o *Outbox) openErr(err error) error {
	if k := classify(err); k != nil {
		return &OpenError{Path: o.path, Kind: k, Err: err}
	}
	return fmt.Errorf("cannot open the outbox %s: %w", o.path, err)
}

// classify maps SQLite result codes to ErrCorrupt or ErrUnreadable.
func classify(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return ErrCorrupt
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_AUTH:
		return ErrUnreadable
	}
	return nil
}

// wrap turns a database error met after opening into one that says which
// file it is about; corruption found later is an *OpenError too.
func (o *Outbox) wrap(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrAmbiguous) || errors.Is(err, ErrAlreadySent) ||
		errors.Is(err, ErrBusy) || errors.Is(err, ErrInvalidMessage) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var oe *OpenError
	if errors.As(err, &oe) {
		return err
	}
	if k := classify(err); k != nil {
		return &OpenError{Path: o.path, Kind: k, Err: err}
	}
	if errors.Is(err, sql.ErrConnDone) && o.isClosed() {
		return ErrClosed
	}
	return fmt.Errorf("outbox %s: %w", o.path, err)
}

// Path is the database file's path.
func (o *Outbox) Path() string { return o.path }

// Settings returns the settings the outbox was opened with.
func (o *Outbox) Settings() Settings { return o.settings }

// Close closes the database. Workers using the outbox must be stopped first.
func (o *Outbox) Close() error {
	var err error
	o.once.Do(func() {
		close(o.closed)
		err = errors.Join(o.db.Close(), o.book.Close())
	})
	return err
}

func (o *Outbox) isClosed() bool {
	select {
	case <-o.closed:
		return true
	default:
		return false
	}
}

// Check runs SQLite's integrity check and returns nil if it says "ok".
func (o *Outbox) Check(ctx context.Context) error {
	rows, err := o.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return o.wrap(err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return o.wrap(err)
		}
		msgs = append(msgs, s)
	}
	if err := rows.Err(); err != nil {
		return o.wrap(err)
	}
	if len(msgs) == 1 && msgs[0] == "ok" {
		return nil
	}
	return &OpenError{Path: o.path, Kind: ErrCorrupt, Err: errors.New(strings.Join(msgs, "; "))}
}

// signal wakes a Worker of this process: work may have become due.
func (o *Outbox) signal() {
	select {
	case o.changed <- struct{}{}:
	default:
	}
}

// writeTx runs fn in a durable write transaction (BEGIN IMMEDIATE),
// serialised with this process's other writers so they never wait on
// SQLite's busy handler.
func (o *Outbox) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return o.txOn(ctx, o.db, fn)
}

// bookTx is writeTx for delivery bookkeeping: committed without waiting
// for the disk (see Open).
func (o *Outbox) bookTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return o.txOn(ctx, o.book, fn)
}

func (o *Outbox) txOn(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	o.wmu.Lock()
	defer o.wmu.Unlock()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return o.wrap(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return o.wrap(err)
	}
	return o.wrap(tx.Commit())
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}
