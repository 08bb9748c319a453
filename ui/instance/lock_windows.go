package instance

import (
	"errors"
	"os"
	"syscall"
)

// errSharingViolation is ERROR_SHARING_VIOLATION, which package syscall
// does not name.
const errSharingViolation = syscall.Errno(32)

// tryLock opens path with no sharing allowed: while this process has it
// open, any other open fails with a sharing violation. Windows closes the
// handle when the process ends, however it ends.
func tryLock(path string) (unlock func(), state lockState, err error) {
	name, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return nil, locked, err
	}
	h, err := syscall.CreateFile(name, syscall.GENERIC_READ|syscall.GENERIC_WRITE, 0, nil,
		syscall.OPEN_ALWAYS, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		if errors.Is(err, errSharingViolation) {
			return nil, heldElsewhere, nil
		}
		return nil, locked, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return func() { syscall.CloseHandle(h) }, locked, nil
}
