package smtp

// The config-file plumbing every settings file of the config directory
// shares: where the directory is, making it private, the advisory lock that
// serialises writers (configfile_lock_*.go), the atomic writer and the one
// strict JSON reader. The profiles file (store.go) and the settings files of
// smtp/oauth and smtp/queue are built on it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// EnvConfigDir names the environment variable that sets the config directory
// when --config-dir is not given.
const EnvConfigDir = "SMTPCONF_CONFIG_DIR"

// ConfigDir resolves the config directory: flagValue (from --config-dir) if
// set, else $SMTPCONF_CONFIG_DIR, else os.UserConfigDir()/smtpconf. The
// result is absolute. It does not create the directory; EnsureConfigDir and
// the Store's writes do.
func ConfigDir(flagValue string) (string, error) {
	dir := flagValue
	if dir == "" {
		dir = os.Getenv(EnvConfigDir)
	}
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", wrapErr(err, "cannot find your configuration directory ({{.Error}}); pass {{.Flag}} or set {{.Env}}", args{"Error": err.Error(), "Flag": "--config-dir DIR", "Env": EnvConfigDir})
		}
		dir = filepath.Join(base, "smtpconf")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return dir, nil
}

// EnsureConfigDir creates dir (and its parents) with mode 0700 if it does not
// exist. If it exists with looser permissions, it is tightened to 0700 when
// this user owns it; a directory owned by someone else (or shared, such as
// /tmp) is refused if others can write to it, and otherwise left as it is
// (the files in it are 0600).
func EnsureConfigDir(dir string) error {
	if dir == "" {
		return errors.New(l10n.L("no config directory given; pass {{.Flag}} or set {{.Env}}", args{"Flag": "--config-dir DIR", "Env": EnvConfigDir}))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return wrapErr(err, "cannot create the config directory {{.Dir}}: {{.Error}}", args{"Dir": dir, "Error": err.Error()})
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return wrapErr(err, "cannot use the config directory {{.Dir}}: {{.Error}}", args{"Dir": dir, "Error": err.Error()})
	}
	if !fi.IsDir() {
		return errors.New(l10n.L("the config directory {{.Dir}} is not a directory; pass {{.Flag}} with a directory", args{"Dir": dir, "Flag": "--config-dir"}))
	}
	if fi.Mode().Perm()&0o077 != 0 {
		// The directory is readable or writable by others: tighten it to
		// owner-only (0700), as the contract requires, when we may.
		return tightenConfigDir(dir, fi)
	}
	return nil
}

// The steps of writeAtomic, for its callers' messages.
const (
	stepCreate  = iota // the temporary file could not be made
	stepWrite          // mode, data, flush or close of the temporary file
	stepRename         // putting it in place
	stepSyncDir        // flushing the directory: the new file is in place
)

// atomicError is a failure of writeAtomic at one of its steps.
type atomicError struct {
	step int
	err  error
}

func (e *atomicError) Error() string { return e.err.Error() }
func (e *atomicError) Unwrap() error { return e.err }

// writeAtomic replaces dir/name with data: a temporary file in dir (named
// by pattern, mode 0600) is written, flushed to disk, renamed over the
// target, and then the directory is flushed so the rename itself survives a
// crash. On any failure the temporary file is removed, and before the
// rename the old file is untouched. Errors are *atomicError.
func writeAtomic(dir, name, pattern string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return &atomicError{stepCreate, err}
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return &atomicError{stepWrite, err}
	}
	if _, err := f.Write(data); err != nil {
		return &atomicError{stepWrite, err}
	}
	if err := f.Sync(); err != nil {
		return &atomicError{stepWrite, err}
	}
	if err := f.Close(); err != nil {
		return &atomicError{stepWrite, err}
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return &atomicError{stepRename, err}
	}
	if err := syncProfilesDir(dir); err != nil {
		return &atomicError{stepSyncDir, err}
	}
	return nil
}

// WriteConfigFile replaces dir/name with data the way the profiles file is
// written: the directory is made (0700) if needed, a temporary file (0600)
// is written, flushed, renamed over the target, and the directory flushed.
// On failure the old file is untouched. Other settings files (oauth.json)
// use it.
func WriteConfigFile(dir, name string, data []byte) error {
	if err := EnsureConfigDir(dir); err != nil {
		return err
	}
	err := writeAtomic(dir, name, "."+name+".tmp-*", data)
	var ae *atomicError
	if !errors.As(err, &ae) {
		return err
	}
	target := filepath.Join(dir, name)
	switch ae.step {
	case stepCreate, stepWrite:
		return fmt.Errorf("cannot write %s: %w", target, ae.err)
	case stepRename:
		return fmt.Errorf("cannot replace %s: %w", target, ae.err)
	default:
		return fmt.Errorf("saved %s, but could not flush the directory to disk: %w", target, ae.err)
	}
}

// LockConfigFile takes the exclusive lock on the lock file at path (created
// 0600 if needed) that serialises writers of the profiles file, and waits
// for it: flock(2) where the system has it, so it holds across processes
// and between goroutines of one process; elsewhere within this process
// only. Package oauth uses it to serialise token refreshes and sign-outs.
// The lock is released by unlock, or by the kernel if the process dies.
func LockConfigFile(path string) (unlock func(), err error) {
	return lockProfiles(path)
}

// LockConfigFileContext is LockConfigFile that gives up when ctx is done,
// returning ctx.Err(): where flock(2) exists it tries the lock without
// blocking and again after a short pause (at most 100 ms) while another
// holder has it, so a Cancel button or a timeout ends the wait even while
// another process (a cron run of the outbox) holds the lock. Elsewhere it
// waits as LockConfigFile does (within this process only), after checking
// ctx.
func LockConfigFileContext(ctx context.Context, path string) (unlock func(), err error) {
	return lockProfilesContext(ctx, path)
}

// ReadConfigJSON decodes the JSON file dir/name into v, strictly: a field
// v has no place for is an error, so a misspelt setting is reported instead
// of silently ignored. A missing file is not an error and leaves v as it
// is, so defaults put in v beforehand stand. Errors wrap kind: "kind: cause"
// when the file cannot be read, "kind: path: cause" when it cannot be
// decoded; v may then be partly filled. The settings files of smtp/oauth
// and smtp/queue are read with it.
func ReadConfigJSON(dir, name string, kind error, v any) error {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %v", kind, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %v", kind, path, err)
	}
	return nil
}

// causeError is a translated sentence about a failure that keeps its cause
// for errors.Is and errors.As.
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }

// wrapErr translates key (an English sentence whose {{.Error}} is usually
// err's text) and wraps err.
func wrapErr(err error, key string, data args) error {
	return &causeError{msg: l10n.L(key, data), err: err}
}
