//go:build unix

package kakaogin

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the test process has used, user and system:
// a cost measure that other processes on a busy machine disturb less than
// the wall clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
