package instance

import "errors"

// Results of tryLock besides success.
var (
	// errLocked: another process holds the lock.
	errLocked = errors.New("locked by another process")
	// errNoLocks: this system has no file lock that tryLock can use.
	errNoLocks = errors.New("no file locks on this system")
)
