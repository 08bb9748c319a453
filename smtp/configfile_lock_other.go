//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package smtp

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
)

// On systems without flock(2) in package syscall (Windows, Plan 9, Solaris,
// ...), writers are serialised within this process only. Writes stay atomic
// (temp file + rename), so a reader never sees a torn file, but two processes
// saving at the same moment could lose one of the changes.
var profilesLockMu sync.Mutex

func lockProfiles(path string) (unlock func(), err error) {
	profilesLockMu.Lock()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		profilesLockMu.Unlock()
		return nil, err
	}
	return func() {
		f.Close()
		profilesLockMu.Unlock()
	}, nil
}

// lockProfilesContext is lockProfiles: the wait for this process's mutex
// cannot be given up, but it only waits for another goroutine's short
// write. ctx is checked before waiting.
func lockProfilesContext(ctx context.Context, path string) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return lockProfiles(path)
}

// syncProfilesDir is a no-op: directories cannot be flushed portably here.
func syncProfilesDir(dir string) error { return nil }

// tightenConfigDir makes the directory owner-only where mode bits mean something.
func tightenConfigDir(dir string, fi os.FileInfo) error {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		return nil // mode bits do not describe access here
	}
	if err := os.Chmod(dir, fi.Mode().Perm()&0o700); err != nil {
		return wrapErr(err, "the config directory {{.Dir}} has mode {{.Mode}} and could not be made private (0700): {{.Error}}", args{"Dir": dir, "Mode": fmt.Sprintf("%04o", fi.Mode().Perm()), "Error": err.Error()})
	}
	return nil
}

// ownedByMe reports whether this user may change fi's mode: where mode
// bits do not describe access, there is nothing to change.
func ownedByMe(os.FileInfo) bool { return runtime.GOOS != "windows" && runtime.GOOS != "plan9" }
