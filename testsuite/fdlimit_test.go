// Descriptor exhaustion: pgdogd under RLIMIT_NOFILE 1024 flooded with 1,500 idle TCP
// connections keeps its established clients, logs the accept errors, and serves new clients
// once the flood is gone.

package testsuite

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestFDExhaustionAcceptSurvives starts pgdogd with RLIMIT_NOFILE 1024:1024 (hard limit too,
// so that raising its soft limit at start does not help) and opens 1,500 TCP connections that
// send nothing. pgdogd must log the failed accepts ("too many open files" or "cannot accept");
// an established client (session mode, so it holds its server and needs no new descriptor)
// runs a query every 500 ms throughout, at least twice after that log line, and must never
// fail; pgdogd must stay alive; after the flood is closed it must log that it accepts again
// and serve a new client, on the first try, within 10 s. The timeline is logged.
func TestFDExhaustionAcceptSurvives(t *testing.T) {
	const flood, limit = 1500, 1024
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatalf("prlimit (util-linux) is needed to start pgdogd with a lowered RLIMIT_NOFILE: %v", err)
	}
	raiseOwnNofile(t, flood+1000)
	cfg := DefaultConfig(shared)
	cfg.General.PoolerMode = "session"
	p := StartProxyWith(t, cfg, []string{prlimit, fmt.Sprintf("--nofile=%d:%d", limit, limit), "--"})
	if soft, hard, err := processNofile(p.PID()); err != nil {
		t.Fatal(err)
	} else if soft > limit || hard > limit {
		t.Fatalf("pgdogd's RLIMIT_NOFILE is %d:%d, want at most %d (the test's premise)", soft, hard, limit)
	} else {
		t.Logf("pgdogd pid %d runs with RLIMIT_NOFILE %d:%d", p.PID(), soft, hard)
	}
	ctx := testCtx(t, 90*time.Second)
	est, err := p.Connect(ctx, Alice)
	if err != nil {
		t.Fatalf("established client: %v", err)
	}
	defer closeQuietly(est)
	if _, err := queryInt(ctx, est, "select 1"); err != nil {
		t.Fatalf("established client's first query: %v", err)
	}

	start := time.Now()
	var tl timeline
	tl.start = start
	stop := make(chan struct{})
	var bg sync.WaitGroup
	defer func() { // the timeline is logged however the test ends
		select {
		case <-stop:
		default:
			close(stop)
		}
		bg.Wait()
		t.Logf("timeline:\n%s", tl.String())
	}()

	// The established client queries every 500 ms until stopped.
	var probeMu sync.Mutex
	var probeFails []string
	probes := 0
	bg.Add(1)
	go func() {
		defer bg.Done()
		for i := 0; ; i++ {
			qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			n, err := queryInt(qctx, est, "select "+strconv.Itoa(i))
			cancel()
			probeMu.Lock()
			probes++
			if err != nil || n != int64(i) {
				probeFails = append(probeFails, fmt.Sprintf("+%v: %d, %v", time.Since(start).Round(time.Millisecond), n, err))
				tl.add(fmt.Sprintf("established client's query %d FAILED: %v", i, err))
			} else {
				tl.add(fmt.Sprintf("established client's query %d ok", i))
			}
			probeMu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	probeCount := func() int {
		probeMu.Lock()
		defer probeMu.Unlock()
		return probes
	}
	// waitProbes waits until the established client has run n more queries.
	waitProbes := func(n int, when string) {
		t.Helper()
		from := probeCount()
		waitUntil(t, waitLimit, fmt.Sprintf("%d queries of the established client %s", n, when),
			func() bool { return probeCount() >= from+n })
	}

	// The flood: 1,500 connections that send nothing, dialled by 50 workers.
	tl.add("flood start")
	conns := make(chan net.Conn, flood)
	var dialFails atomic.Int64
	var firstDialErr atomic.Value
	var dw sync.WaitGroup
	next := make(chan struct{}, flood)
	for i := 0; i < flood; i++ {
		next <- struct{}{}
	}
	close(next)
	for w := 0; w < 50; w++ {
		dw.Add(1)
		go func() {
			defer dw.Done()
			for range next {
				c, err := net.DialTimeout("tcp", p.Addr(), 2*time.Second)
				if err != nil {
					dialFails.Add(1)
					firstDialErr.CompareAndSwap(nil, err.Error())
					continue
				}
				conns <- c
			}
		}()
	}
	dw.Wait()
	close(conns)
	var open []net.Conn
	for c := range conns {
		open = append(open, c)
	}
	closeFlood := func() {
		for _, c := range open {
			c.Close()
		}
		open = nil
	}
	defer closeFlood()
	tl.add(fmt.Sprintf("flood dialled: %d connections open, %d dials failed (first: %v)", len(open), dialFails.Load(), firstDialErr.Load()))

	// pgdogd is out of descriptors once it logs a failed accept; the established client
	// is served on while the flood holds them.
	waitUntil(t, waitLimit, "pgdogd to log the failed accepts", func() bool {
		return containsAny(p.Logs(), []string{"too many open files", "cannot accept"})
	})
	tl.add("accept error in pgdogd's log")
	waitProbes(2, "while pgdogd is out of descriptors")
	aliveDuring := p.Alive()
	tl.add(fmt.Sprintf("flood held; pgdogd alive: %v", aliveDuring))
	closeFlood()
	tl.add("flood end (all closed)")
	floodEnd := time.Now()

	// pgdogd logs when an accept succeeds again; then a new client must be served at once.
	waitUntil(t, waitLimit, "pgdogd to log that it accepts connections again", func() bool {
		return strings.Contains(p.Logs(), "accepting connections again")
	})
	tl.add("pgdogd accepts again")
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second-time.Since(floodEnd))
	servedErr := connectAndQuery(cctx, p.Endpoint, Alice, "select 1", new(int64))
	cancel()
	tl.add(fmt.Sprintf("new client: %v", servedErr))
	waitProbes(1, "after the flood")
	close(stop)
	bg.Wait()

	probeMu.Lock()
	defer probeMu.Unlock()
	if len(probeFails) > 0 {
		t.Errorf("the established client's queries failed during the flood (%d of %d): %s",
			len(probeFails), probes, strings.Join(probeFails, "; "))
	}
	if !aliveDuring || !p.Alive() {
		t.Errorf("pgdogd exited (alive during the flood: %v, at the end: %v)", aliveDuring, p.Alive())
	}
	if servedErr != nil {
		t.Errorf("no new client served within 10 s after the flood ended: %v", servedErr)
	}
}

// timeline is a list of events with their offsets from start, safe for concurrent use.
type timeline struct {
	mu     sync.Mutex
	start  time.Time
	events []string
}

func (tl *timeline) add(event string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.events = append(tl.events, fmt.Sprintf("  +%7.3fs  %s", time.Since(tl.start).Seconds(), event))
}

func (tl *timeline) String() string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return strings.Join(tl.events, "\n")
}

// raiseOwnNofile raises the test process's soft RLIMIT_NOFILE to its hard limit when needed,
// and fails t when even that is below need.
func raiseOwnNofile(t *testing.T, need uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < need && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatalf("cannot raise the test's open-files limit: %v", err)
		}
	}
	if lim.Cur < need {
		t.Fatalf("the test needs %d descriptors; its RLIMIT_NOFILE is %d:%d", need, lim.Cur, lim.Max)
	}
}

// processNofile reads a process's soft and hard open-files limits from /proc.
func processNofile(pid int) (soft, hard uint64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("cannot read limits of pid %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "Max open files") {
			continue
		}
		f := strings.Fields(strings.TrimPrefix(line, "Max open files"))
		if len(f) < 2 {
			break
		}
		soft, err1 := strconv.ParseUint(f[0], 10, 64)
		hard, err2 := strconv.ParseUint(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			break
		}
		return soft, hard, nil
	}
	return 0, 0, fmt.Errorf("no open-files limit in /proc/%d/limits", pid)
}
