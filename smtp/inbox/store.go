package inbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

// The store's layout inside its folder: one file per message, named by its
// ID, and an index that keeps the envelope (what the message's bytes do
// not say) and the order.
const (
	// StoreIndexFile lists the stored messages, oldest first.
	StoreIndexFile = "index.json"
	// storeExt ends the name of each message's file.
	storeExt = ".eml"
	// storeVersion is the index's format.
	storeVersion = 1
)

// Store keeps the inbox's messages on disk, so that they outlive a restart:
// a folder (0700) with one .eml file (0600) per message and an index, each
// written to a temporary file and renamed into place, so that a crash
// leaves the old or the new version, never half of one. A Store is safe
// for use by several goroutines; one Store serves a folder.
type Store struct {
	dir string
	mu  sync.Mutex
}

// storedMessage is a message's line in the index.
type storedMessage struct {
	ID       int       `json:"id"`
	Received time.Time `json:"received"`
	From     string    `json:"from"`
	To       []string  `json:"to"`
	TLS      bool      `json:"tls,omitempty"`
	Username string    `json:"username,omitempty"`
}

// storeIndex is the index file.
type storeIndex struct {
	Version  int             `json:"version"`
	NextID   int             `json:"next_id"`
	Messages []storedMessage `json:"messages"`
}

// OpenStore returns the store in folder dir, created on the first write.
func OpenStore(dir string) *Store {
	return &Store{dir: dir}
}

// Dir is the store's folder.
func (st *Store) Dir() string { return st.dir }

// Load reads the stored messages, oldest first, and the ID the next message
// gets. An empty or missing store is no error; a message whose file is gone
// is left out.
func (st *Store) Load() ([]Message, int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	idx, err := st.readIndex()
	if err != nil {
		return nil, 1, err
	}
	var out []Message
	for _, e := range idx.Messages {
		raw, err := os.ReadFile(st.file(e.ID))
		if err != nil {
			continue
		}
		m := parseMessage(raw)
		m.ID, m.Received, m.From, m.To, m.TLS, m.Username = e.ID, e.Received, e.From, slices.Clone(e.To), e.TLS, e.Username
		out = append(out, m)
	}
	return out, idx.NextID, nil
}

// Add stores m and drops the oldest messages beyond limit (0: no limit).
func (st *Store) Add(m Message, limit int) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	idx, err := st.readIndex()
	if err != nil {
		// A damaged index is replaced: the messages it listed are lost
		// from the list, not the new one.
		idx = storeIndex{NextID: 1}
	}
	if err := os.MkdirAll(st.dir, 0o700); err != nil {
		return fmt.Errorf("local test inbox store: %w", err)
	}
	if err := writeAtomic(st.file(m.ID), m.Raw); err != nil {
		return err
	}
	idx.Messages = append(idx.Messages, storedMessage{ID: m.ID, Received: m.Received, From: m.From,
		To: slices.Clone(m.To), TLS: m.TLS, Username: m.Username})
	idx.NextID = max(idx.NextID, m.ID+1)
	var dropped []storedMessage
	if over := len(idx.Messages) - limit; limit > 0 && over > 0 {
		dropped = slices.Clone(idx.Messages[:over])
		idx.Messages = slices.Delete(idx.Messages, 0, over)
	}
	if err := st.writeIndex(idx); err != nil {
		return err
	}
	for _, d := range dropped {
		_ = os.Remove(st.file(d.ID))
	}
	return nil
}

// Clear removes every stored message; the IDs keep counting up.
func (st *Store) Clear() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	idx, err := st.readIndex()
	if err != nil {
		idx = storeIndex{NextID: 1}
	}
	entries, err := os.ReadDir(st.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("local test inbox store: %w", err)
	}
	idx.Messages = nil
	if err := st.writeIndex(idx); err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), storeExt) {
			if err := os.Remove(filepath.Join(st.dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("local test inbox store: %w", err)
	}
	return nil
}

func (st *Store) file(id int) string {
	return filepath.Join(st.dir, strconv.Itoa(id)+storeExt)
}

// readIndex reads the index; a missing one is an empty store.
func (st *Store) readIndex() (storeIndex, error) {
	data, err := os.ReadFile(filepath.Join(st.dir, StoreIndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return storeIndex{Version: storeVersion, NextID: 1}, nil
	} else if err != nil {
		return storeIndex{NextID: 1}, fmt.Errorf("local test inbox store: %w", err)
	}
	var idx storeIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		return storeIndex{NextID: 1}, fmt.Errorf("local test inbox store: %s is damaged: %w", StoreIndexFile, err)
	}
	idx.NextID = max(idx.NextID, 1)
	for _, e := range idx.Messages {
		idx.NextID = max(idx.NextID, e.ID+1)
	}
	return idx, nil
}

func (st *Store) writeIndex(idx storeIndex) error {
	idx.Version = storeVersion
	if idx.Messages == nil {
		idx.Messages = []storedMessage{}
	}
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(st.dir, StoreIndexFile), append(data, '\n'))
}

// writeAtomic replaces path with data the way every file of the config
// directory is written (smtp.WriteConfigFile: 0600, flushed, renamed, the
// directory flushed).
func writeAtomic(path string, data []byte) error {
	if err := smtp.WriteConfigFile(filepath.Dir(path), filepath.Base(path), data); err != nil {
		return fmt.Errorf("local test inbox store: %w", err)
	}
	return nil
}
