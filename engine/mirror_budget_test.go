// mirror_budget_test.go tests mirror_memory_limit: the limit from the configuration and the memory available, the charge of captured transactions and its release, drops for memory, and the trim after a burst.

package engine

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/mirroring"
	"github.com/pgdogd/pgdogd/mirror"
)

// syncBuf is a log destination safe for the mirror goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeAvailable makes the memory available read as avail until t ends, the limit be
// computed afresh and the peak start again.
func fakeAvailable(t *testing.T, avail int64) {
	prev, prevLimit := mirroring.ReadAvailable, mirroring.Memory.Limit()
	mirroring.ReadAvailable = func() (mirror.Available, error) { return mirror.Available{Bytes: avail, Source: "test"}, nil }
	mirroring.Forget()
	mirroring.Memory.ResetPeak()
	t.Cleanup(func() {
		mirroring.ReadAvailable = prev
		mirroring.Forget()
		mirroring.Memory.SetLimit(prevLimit)
	})
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// newMirrorHarness is a harness whose pool (u@db) mirrors every transaction to u@m, a
// database nothing listens for: each replay fails to connect and releases its transaction.
func newMirrorHarness(t *testing.T, limit int, log io.Writer) *harness {
	cfg := &config.Config{
		General: config.General{Workers: 1, DefaultPoolSize: 4, PoolerMode: config.ModeTransaction, AuthType: "trust",
			PreparedStatements: "disabled", ConnectTimeout: time.Second, CheckoutTimeout: time.Second,
			MirrorMaxTransactionBytes: 4 << 20, MirrorMemoryLimit: limit, MirrorTimeout: time.Second},
		Databases: []config.Database{{Name: "db", Host: "127.0.0.1", Port: 5432}, {Name: "m", Host: "127.0.0.1", Port: closedPort(t)}},
		Users:     []config.User{{Name: "u", Database: "db", Password: md5Password}, {Name: "u", Database: "m", Password: md5Password}},
		Mirrors:   []config.Mirror{{SourceDB: "db", DestinationDB: "m", QueueLength: 16, Exposure: 1}},
		Admin:     config.Admin{Name: "admin", User: "admin", Password: md5Password},
	}
	e, err := New(cfg, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { close(e.mirrorStop) })
	h := &harness{t: t, e: e, loop: &fakeLoop{tasks: make(chan func(), 64)}, pool: e.pools.Load().get("u", "db")}
	h.pool.defs = serverParams()
	return h
}

// transaction runs one autocommit query from cc on the server sc.
func (h *harness) transaction(cc, sc *fakeConn, sql string) {
	h.send(cc, queryMsg(sql))
	sc.take()
	h.send(sc, cat(complete("SELECT 1"), rfq('I')))
	cc.take()
}

// settledDrops waits until the mirror's transactions are all accounted for and nothing is
// charged, then returns the drops by reason.
func settledDrops(t *testing.T, d *mirrorDest) [mirroring.NumDropReasons]int64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var drops [mirroring.NumDropReasons]int64
		var n int64
		for r := range drops {
			drops[r] = d.stats.dropped[r].Load()
			n += drops[r]
		}
		if n+d.stats.mirrored.Load() == d.stats.total.Load() && mirroring.Memory.Used() == 0 {
			return drops
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled: total %d, drops %v, %d bytes charged", d.stats.total.Load(), drops, mirroring.Memory.Used())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMirrorMemoryDropsAndRelease: a transaction that does not fit is dropped as memory
// before anything of it is copied; one that fits is charged its buffer until the mirror
// released it; the limit follows a new configuration, capped at a quarter of the memory.
func TestMirrorMemoryDropsAndRelease(t *testing.T) {
	fakeAvailable(t, 64<<20)
	log := &syncBuf{}
	h := newMirrorHarness(t, 256<<10, log)
	d := h.pool.mirrors[0]
	_, sc := h.addServer()
	_, cc := h.connect()
	big := "select '" + strings.Repeat("x", 300<<10) + "'"

	h.transaction(cc, sc, "select 1")
	if got := settledDrops(t, d); got[mirroring.DropUnavailable] != 1 || mirroring.Memory.Limit() != 256<<10 {
		t.Fatalf("a small transaction: drops %v, limit %d; want it queued (then unavailable), limit 256 KiB", got, mirroring.Memory.Limit())
	}
	d.downUntil.Store(0)
	mirroring.Memory.ResetPeak()
	h.transaction(cc, sc, big)
	if got := settledDrops(t, d); got[mirroring.DropMemory] != 1 || mirroring.Memory.Peak() > 512 {
		t.Fatalf("a transaction past the limit: drops %v, peak charge %d; want dropped as memory with nothing copied", got, mirroring.Memory.Peak())
	}

	next := *h.e.cfg.Load() // RELOAD with a larger limit: capped at a quarter of 64 MiB
	next.General.MirrorMemoryLimit = 1 << 30
	h.e.cfg.Store(&next)
	h.transaction(cc, sc, big)
	if got := settledDrops(t, d); got[mirroring.DropMemory] != 1 || got[mirroring.DropUnavailable] != 2 || mirroring.Memory.Peak() != 512<<10 {
		t.Fatalf("after the reload: drops %v, peak charge %d; want it charged 512 KiB, queued, released", got, mirroring.Memory.Peak())
	}
	if mirroring.Memory.Limit() != 16<<20 || !strings.Contains(log.String(), "msg=\"mirror memory limit\" bytes=16777216 mirror_memory_limit=1073741824 available=67108864") {
		t.Fatalf("limit %d, log:\n%s\nwant 16 MiB, logged", mirroring.Memory.Limit(), log.String())
	}
}

// TestMirrorMemoryStreamedFrame: a frame the client streams (COPY data) is charged, from its
// first read on, for all its header announces, or dropped before any of it is copied; what
// a client leaving mid-transaction was recording is released.
func TestMirrorMemoryStreamedFrame(t *testing.T) {
	fakeAvailable(t, 64<<20)
	h := newMirrorHarness(t, 128<<10, io.Discard)
	d := h.pool.mirrors[0]
	_, sc := h.addServer()
	_, cc := h.connect()
	copyIn := func(size int) []byte {
		h.send(cc, queryMsg("copy t from stdin"))
		h.send(sc, frame('G', []byte{0, 0, 0}))
		data := frame('d', make([]byte, size))
		h.send(cc, data[:20<<10])
		return data[20<<10:]
	}
	rest := copyIn(200 << 10)
	if used, peak := mirroring.Memory.Used(), mirroring.Memory.Peak(); used != 0 || peak > 512 {
		t.Fatalf("after 20 KiB of 200 KiB of COPY data past a 128 KiB limit: %d bytes charged, peak %d; want the recording given up before it is copied", used, peak)
	}
	h.send(cc, cat(rest, frame('c')))
	h.send(sc, cat(complete("COPY 1"), rfq('I')))
	if got := settledDrops(t, d); got[mirroring.DropMemory] != 1 {
		t.Fatalf("drops %v, want the COPY dropped as memory", got)
	}
	copyIn(100 << 10)
	if used := mirroring.Memory.Used(); used != 128<<10 {
		t.Fatalf("%d bytes charged for the first 20 KiB of 100 KiB of COPY data, want %d", used, 128<<10)
	}
	h.hangUp(cc)
	h.hangUp(sc)
	if got := settledDrops(t, d); got[mirroring.DropSourceFailed] != 1 {
		t.Fatalf("drops %v, want the transaction counted as source_failed", got)
	}
}

// TestDropReasonNames keeps the snapshot's drop counters (SHOW MIRRORS's
// and the metrics' source) in step with the reasons.
func TestDropReasonNames(t *testing.T) {
	h := newMirrorHarness(t, 1<<20, io.Discard)
	h.e.pools.Load().list[0].mirrors[0].drop(mirroring.DropMemory)
	ms := h.e.Snapshot().Mirrors()
	if len(ms) != 1 || len(ms[0].Dropped) != int(mirroring.NumDropReasons) {
		t.Fatalf("mirrors %+v; want one with %d drop counters", ms, mirroring.NumDropReasons)
	}
	for i, c := range ms[0].Dropped {
		if c.Name == "" || c.Name != DropReasons()[i] {
			t.Errorf("drop counter %d named %q, DropReasons says %q", i, c.Name, DropReasons()[i])
		}
		if want := int64(0); mirroring.DropReason(i) == mirroring.DropMemory {
			want = 1
			if c.Name != "memory" || c.N != want {
				t.Errorf("dropMemory counter %+v; want memory=1", c)
			}
		} else if c.N != want {
			t.Errorf("drop counter %+v; want 0", c)
		}
	}
}
