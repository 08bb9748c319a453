//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package smtp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// lockProfiles takes an exclusive flock(2) on the lock file at path, creating it
// (0600) if needed, and waits for it. flock locks belong to the open file, so
// this serialises goroutines of one process as well as separate processes.
// The lock is released by unlock, or by the kernel if the process dies.
func lockProfiles(path string) (unlock func(), err error) {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CREAT|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	for {
		err = syscall.Flock(fd, syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "flock", Path: path, Err: err}
	}
	return func() {
		syscall.Flock(fd, syscall.LOCK_UN)
		syscall.Close(fd)
	}, nil
}

// lockProfilesContext is lockProfiles that gives up when ctx is done: it
// tries LOCK_EX|LOCK_NB and, while another open file holds the lock, tries
// again after a short pause (5 ms, doubling up to 100 ms) until it gets
// the lock or ctx ends (ctx.Err() is returned then).
func lockProfilesContext(ctx context.Context, path string) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CREAT|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	pause := 5 * time.Millisecond
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		err = syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(fd, syscall.LOCK_UN)
				syscall.Close(fd)
			}, nil
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EAGAIN) {
			syscall.Close(fd)
			return nil, &os.PathError{Op: "flock", Path: path, Err: err}
		}
		if timer == nil {
			timer = time.NewTimer(pause)
		} else {
			timer.Reset(pause)
		}
		select {
		case <-ctx.Done():
			syscall.Close(fd)
			return nil, ctx.Err()
		case <-timer.C:
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// syncProfilesDir flushes a directory, so that a rename in it survives a crash.
func syncProfilesDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// tightenConfigDir makes a config directory that others can read or write
// owner-only. It only changes a directory this user owns and that is not
// shared (sticky, like /tmp): chmod-ing someone else's directory, or a
// shared one when running as root, would break other programs.
func tightenConfigDir(dir string, fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	mine := ok && int(st.Uid) == os.Geteuid()
	if mine && fi.Mode()&os.ModeSticky == 0 {
		if err := os.Chmod(dir, fi.Mode().Perm()&0o700); err != nil {
			return wrapErr(err, "the config directory {{.Dir}} has mode {{.Mode}} and could not be made private (0700): {{.Error}}", args{"Dir": dir, "Mode": fmt.Sprintf("%04o", fi.Mode().Perm()), "Error": err.Error()})
		}
		return nil
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return errors.New(l10n.L("the config directory {{.Dir}} (mode {{.Mode}}) can be written by other users and is not yours to change; choose a private directory with {{.Flag}} or {{.Env}}",
			args{"Dir": dir, "Mode": fmt.Sprintf("%04o", fi.Mode().Perm()), "Flag": "--config-dir", "Env": EnvConfigDir}))
	}
	return nil // readable by others but not ours to change; the files in it are 0600
}

// ownedByMe reports whether this user owns the file fi describes, and so
// may change its mode.
func ownedByMe(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}
