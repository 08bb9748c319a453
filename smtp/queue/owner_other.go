//go:build !linux

package queue

import "errors"

var errNoProcess = errors.New("no such process")

// Without /proc a process's liveness is not known: claims of other processes
// are taken back when their lease expires.
func processStart(int) (uint64, error) { return 0, errors.New("not supported") }

func bootID() string { return "" }

func pidNamespace() string { return "" }
