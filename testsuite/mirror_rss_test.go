// mirror_rss_test.go: a series of a process's resident memory (VmRSS) over time, with named marks, for the mirroring memory tests.

package testsuite

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// rssPoint is one reading: when (since the series started), KiB, and a mark's name or "".
type rssPoint struct {
	at    time.Duration
	kb    int64
	label string
}

// rssSeries reads a process's VmRSS every 100 ms in the background, and at marks.
type rssSeries struct {
	t      *testing.T
	pid    int
	start  time.Time
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	points []rssPoint
}

// startRSSSeries starts reading pid's RSS; the readings stop when t ends.
func startRSSSeries(t *testing.T, pid int) *rssSeries {
	s := &rssSeries{t: t, pid: pid, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	s.read("") // the first reading is there before the caller goes on
	go func() {
		defer close(s.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
			if _, err := s.tryRead(""); err != nil {
				return // the process is gone: the test's own reads report it
			}
		}
	}()
	t.Cleanup(func() { close(s.stop); <-s.done })
	return s
}

// tryRead records one reading.
func (s *rssSeries) tryRead(label string) (int64, error) {
	kb, err := rssKB(s.pid)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.points = append(s.points, rssPoint{at: time.Since(s.start), kb: kb, label: label})
	return kb, nil
}

// read is tryRead that fails the test on error.
func (s *rssSeries) read(label string) int64 {
	s.t.Helper()
	kb, err := s.tryRead(label)
	if err != nil {
		s.t.Fatal(err)
	}
	return kb
}

// mark records a reading named label and returns the highest reading so far.
func (s *rssSeries) mark(label string) int64 {
	s.t.Helper()
	s.read(label)
	s.mu.Lock()
	defer s.mu.Unlock()
	var highest int64
	for _, p := range s.points {
		highest = max(highest, p.kb)
	}
	return highest
}

// waitBelow reads every 100 ms until a reading is at most kb or limit passed, and returns
// the last reading.
func (s *rssSeries) waitBelow(kb int64, limit time.Duration) int64 {
	s.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		got := s.read("")
		if got <= kb || time.Now().After(deadline) {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// String lists, in time order, the highest reading of each half second (rounded down to
// 256 KiB, and not repeated while it stays the same) and every mark, eight to a line.
func (s *rssSeries) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out, marks []string
	bucket, highest := time.Duration(-1), int64(0)
	var last string // the previous half second's figure: a run of equal ones is shown once
	flush := func() {
		if bucket >= 0 {
			if fig := fmt.Sprintf("%7d", highest>>8<<8); fig != last || len(marks) > 0 {
				out = append(out, fmt.Sprintf("%5.1fs %s", bucket.Seconds(), fig))
				last = fig
			}
		}
		out, marks = append(out, marks...), marks[:0]
	}
	for _, p := range s.points {
		if b := p.at.Truncate(500 * time.Millisecond); b != bucket {
			flush()
			bucket, highest = b, 0
		}
		highest = max(highest, p.kb)
		if p.label != "" {
			marks = append(marks, fmt.Sprintf("%5.1fs %7d [%s]", p.at.Seconds(), p.kb, p.label))
		}
	}
	flush()
	var b strings.Builder
	for i, x := range out {
		b.WriteString(x)
		if i%8 == 7 || i == len(out)-1 {
			b.WriteString("\n")
		} else {
			b.WriteString(" | ")
		}
	}
	return b.String()
}
