// budget_test.go checks the giving back of idle mirror buffers after a burst.

package mirroring

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pgdogd/pgdogd/bufpool"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/mirror"
)

func TestTrim(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := bufpool.NewMeter(64 << 20)
	held := make([]*bufpool.Buf, 16)
	for i := range held {
		held[i] = bufpool.GetMetered(1<<20, m)
	}
	var trims atomic.Int32
	release := func() { trims.Add(1) }
	for _, b := range held[:11] {
		b.Release()
	}
	if burstOver(m) {
		t.Fatal("5 MiB held after a 16 MiB peak: over, want more than a quarter of the peak to count as busy")
	}
	mirrorBudget.trimming.Store(true)
	trim(log, m, release, 0, 0) // busy: nothing released
	if trims.Load() != 0 || mirrorBudget.trimming.Load() {
		t.Fatalf("%d trims, trimming %v; want none, flag cleared", trims.Load(), mirrorBudget.trimming.Load())
	}
	held[11].Release()
	if !burstOver(m) {
		t.Fatal("4 MiB held after a 16 MiB peak: not over")
	}
	mirrorBudget.trimming.Store(true)
	trim(log, m, release, 0, 0)
	if trims.Load() != 1 || m.Peak() != 4<<20 || burstOver(m) || mirrorBudget.trimming.Load() {
		t.Fatalf("%d trims, peak %d, flag %v; want one trim and a new peak", trims.Load(), m.Peak(), mirrorBudget.trimming.Load())
	}
	for _, b := range held[12:] {
		b.Release()
	}
	if burstOver(m) {
		t.Fatal("4 MiB freed after the trim counts as a burst; want at least trimMinFreed")
	}
}

// fakeMemory makes the memory available read as avail (or fail) until t ends.
func fakeMemory(t *testing.T, avail int64, err error) {
	prev, prevLimit := ReadAvailable, Memory.Limit()
	ReadAvailable = func() (mirror.Available, error) { return mirror.Available{Bytes: avail, Source: "test"}, err }
	Forget()
	t.Cleanup(func() {
		ReadAvailable = prev
		Forget()
		Memory.SetLimit(prevLimit)
	})
}

// TestApply: the limit is mirror_memory_limit capped at a quarter of the
// memory available, computed again only for a new configuration, and
// logged when it changes.
func TestApply(t *testing.T) {
	var log bytes.Buffer
	lg := slog.New(slog.NewTextHandler(&log, nil))
	fakeMemory(t, 64<<20, nil)
	cfg := &config.Config{General: config.General{MirrorMemoryLimit: 1 << 30}}
	Check(lg, cfg)
	if Memory.Limit() != 16<<20 || !strings.Contains(log.String(), "bytes=16777216 mirror_memory_limit=1073741824 available=67108864 available_from=test") {
		t.Fatalf("limit %d, log %q; want 16 MiB, logged", Memory.Limit(), log.String())
	}
	log.Reset()
	Memory.SetLimit(1) // Check must not recompute for the same configuration
	Check(lg, cfg)
	if Memory.Limit() != 1 || log.Len() != 0 {
		t.Fatalf("recomputed for the same configuration: limit %d, log %q", Memory.Limit(), log.String())
	}
	small := &config.Config{General: config.General{MirrorMemoryLimit: 1 << 20}}
	Check(lg, small)
	if Memory.Limit() != 1<<20 {
		t.Fatalf("limit %d for a configured 1 MiB", Memory.Limit())
	}
	fakeMemory(t, 0, errors.New("no meminfo"))
	log.Reset()
	Apply(lg, cfg)
	if Memory.Limit() != 1<<30 || !strings.Contains(log.String(), "not capped") {
		t.Fatalf("limit %d, log %q; want the configured limit, uncapped, with a warning", Memory.Limit(), log.String())
	}
}
