package queue

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

var errNoProcess = errors.New("no such process")

// processStart is field 22 of /proc/PID/stat: when the process started, in
// clock ticks since boot.
func processStart(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, errNoProcess
	}
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces or
	// parentheses itself: fields resume after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(s[i+1:])
	const field = 22 - 3 // f[0] is field 3 (state)
	if len(f) <= field {
		return 0, errors.New("unreadable /proc stat")
	}
	if f[0] == "Z" || f[0] == "X" {
		return 0, errNoProcess // a zombie sends no mail
	}
	return strconv.ParseUint(f[field], 10, 64)
}

func bootID() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
}

func pidNamespace() string {
	s, _ := os.Readlink("/proc/self/ns/pid")
	return s
}
