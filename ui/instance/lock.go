package instance

// lockState is what tryLock found.
type lockState int

const (
	// locked: this process holds the lock now.
	locked lockState = iota
	// heldElsewhere: another process holds it.
	heldElsewhere
	// noLocks: this system has no file lock that tryLock can use.
	noLocks
)
