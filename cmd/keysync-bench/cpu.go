package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuClock reads the CPU time used so far by this process and, when the
// server runs on this machine and its pid file is readable, by the server.
type cpuClock struct {
	serverPID int // 0: the server's CPU is not known
}

// newCPUClock finds the server's process through its pid file.
func (s *server) newCPUClock(ctx context.Context) cpuClock {
	var path string
	if err := s.Admin.QueryRowContext(ctx, "SELECT @@pid_file").Scan(&path); err != nil {
		return cpuClock{}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return cpuClock{}
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return cpuClock{}
	}
	if _, err := serverCPU(pid); err != nil {
		return cpuClock{}
	}
	return cpuClock{serverPID: pid}
}

// cpuTimes are CPU times read at one instant.
type cpuTimes struct {
	self, server time.Duration
}

func (c cpuClock) read() cpuTimes {
	var t cpuTimes
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		t.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if c.serverPID != 0 {
		t.server, _ = serverCPU(c.serverPID)
	}
	return t
}

// serverCPU is the user and system time of a process from /proc, in clock
// ticks of 1/100 s (Linux's USER_HZ).
func serverCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it do not.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime, stime
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}
