//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package instance

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive flock(2) on path without waiting. The lock
// belongs to the open file, so the kernel drops it when the process ends,
// however it ends.
func tryLock(path string) (unlock func(), state lockState, err error) {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CREAT|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, locked, &os.PathError{Op: "open", Path: path, Err: err}
	}
	for {
		err = syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		syscall.Close(fd)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, heldElsewhere, nil
		}
		return nil, locked, &os.PathError{Op: "flock", Path: path, Err: err}
	}
	return func() { syscall.Close(fd) }, locked, nil
}
