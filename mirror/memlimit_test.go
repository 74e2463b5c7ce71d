// memlimit_test.go checks the reading of the memory available (cgroup v2 and v1 limits, MemTotal) from fake files, and the limit it gives mirroring.

package mirror

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRoot writes files (path relative to the root -> contents) into a fresh folder.
func fakeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const meminfo8G = "MemTotal:        8388608 kB\nMemFree:         1000000 kB\n"

func TestReadAvailable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  Available
	}{
		{"meminfo only", map[string]string{"proc/meminfo": meminfo8G}, Available{8 << 30, "/proc/meminfo"}},
		{"v2 limit at the mount", map[string]string{"proc/meminfo": meminfo8G, "proc/self/cgroup": "0::/\n",
			"sys/fs/cgroup/memory.max": "1073741824\n"}, Available{1 << 30, "sys/fs/cgroup/memory.max"}},
		{"v2 no limit", map[string]string{"proc/meminfo": meminfo8G, "proc/self/cgroup": "0::/\n",
			"sys/fs/cgroup/memory.max": "max\n"}, Available{8 << 30, "/proc/meminfo"}},
		{"v2 the process's cgroup and a parent", map[string]string{"proc/meminfo": meminfo8G,
			"proc/self/cgroup":                                     "0::/system.slice/pgdogd.service\n",
			"sys/fs/cgroup/system.slice/memory.max":                "2147483648\n",
			"sys/fs/cgroup/system.slice/pgdogd.service/memory.max": "max\n"},
			Available{2 << 30, "sys/fs/cgroup/system.slice/memory.max"}},
		{"v1 limit", map[string]string{"proc/meminfo": meminfo8G,
			"proc/self/cgroup": "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n",
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "536870912\n"},
			Available{512 << 20, "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes"}},
		{"v1 no limit reads as a huge number", map[string]string{"proc/meminfo": meminfo8G,
			"proc/self/cgroup": "4:memory:/\n", "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"},
			Available{8 << 30, "/proc/meminfo"}},
		{"cgroup without meminfo", map[string]string{"sys/fs/cgroup/memory.max": "268435456"},
			Available{256 << 20, "sys/fs/cgroup/memory.max"}},
	} {
		got, err := ReadAvailable(fakeRoot(t, tc.files))
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}

func TestReadAvailableNothing(t *testing.T) {
	for _, files := range []map[string]string{
		{},
		{"proc/meminfo": "MemFree: 100 kB\n", "sys/fs/cgroup/memory.max": "max\n"},
		{"proc/meminfo": "MemTotal: lots\n", "sys/fs/cgroup/memory.max": "garbage\n"},
	} {
		if got, err := ReadAvailable(fakeRoot(t, files)); err == nil || got.Bytes != 0 {
			t.Errorf("%v: %+v, %v; want an error and no figure", files, got, err)
		}
	}
}

func TestReadAvailableLive(t *testing.T) {
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc/meminfo here")
	}
	got, err := ReadAvailable("/")
	if err != nil || got.Bytes < 64<<20 || !strings.Contains(got.Source, "mem") {
		t.Fatalf("ReadAvailable(/) = %+v, %v", got, err)
	}
}

func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		configured int64
		avail      Available
		want       int64
	}{
		{256 << 20, Available{8 << 30, "/proc/meminfo"}, 256 << 20},
		{256 << 20, Available{512 << 20, "sys/fs/cgroup/memory.max"}, 128 << 20},
		{1 << 40, Available{1 << 30, "sys/fs/cgroup/memory.max"}, 256 << 20},
		{256 << 20, Available{}, 256 << 20}, // unknown: not capped
		{256 << 20, Available{Bytes: 2}, 1}, // never zero
	} {
		if got := MemoryLimit(tc.configured, tc.avail); got != tc.want {
			t.Errorf("MemoryLimit(%d, %+v) = %d, want %d", tc.configured, tc.avail, got, tc.want)
		}
	}
}
