// memlimit.go holds the bound of mirroring's memory: the memory the machine or the process's cgroup has, read from /proc and /sys.

package mirror

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// MemoryShare is the part of the available memory mirroring may hold at most: a quarter.
const MemoryShare = 4

// Available is the memory the process may use and where that figure comes from.
type Available struct {
	Bytes  int64
	Source string // the file that gave the figure (a cgroup limit, or /proc/meminfo)
}

// MemoryLimit returns the bytes all mirror queues may hold: configured, but never more than
// a MemoryShare-th of the available memory (when it is known, Bytes > 0).
func MemoryLimit(configured int64, avail Available) int64 {
	if avail.Bytes <= 0 {
		return configured
	}
	return max(min(configured, avail.Bytes/MemoryShare), 1)
}

// ReadAvailable returns the smallest of the machine's memory (MemTotal of /proc/meminfo) and
// the memory limits of the process's cgroup and its ancestors: memory.max (cgroup v2, "max"
// meaning none) and memory.limit_in_bytes (v1, where no limit reads as a huge number). Paths
// are taken under root: "/" on a live system, a folder of fake files in tests. Missing files
// are skipped; an error means no figure was found at all.
func ReadAvailable(root string) (Available, error) {
	var best Available
	consider := func(n int64, src string) {
		if n > 0 && (best.Bytes == 0 || n < best.Bytes) {
			best = Available{Bytes: n, Source: src}
		}
	}
	total, err := memTotal(filepath.Join(root, "proc/meminfo"))
	if err == nil {
		consider(total, "/proc/meminfo")
	}
	for _, f := range cgroupLimitFiles(root) {
		if n, ok := readLimit(filepath.Join(root, f)); ok {
			consider(n, f)
		}
	}
	if best.Bytes == 0 {
		return best, fmt.Errorf("no memory figure under %s: %w", root, err)
	}
	return best, nil
}

// memTotal reads MemTotal from a meminfo file.
func memTotal(file string) (int64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			break
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb <= 0 {
			break
		}
		return kb << 10, nil
	}
	return 0, errors.New("no MemTotal line in " + file)
}

// readLimit reads a cgroup memory limit: a number of bytes, or "max" (no limit: false).
func readLimit(file string) (int64, bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n, err == nil && n > 0
}

// cgroupLimitFiles lists, relative to root, the limit files of the process's cgroups (from
// /proc/self/cgroup) and of their ancestors, and those of the cgroup mounted at
// /sys/fs/cgroup itself (a container's own cgroup is often mounted there).
func cgroupLimitFiles(root string) []string {
	files := []string{"sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory.limit_in_bytes", "sys/fs/cgroup/memory/memory.limit_in_bytes"}
	b, err := os.ReadFile(filepath.Join(root, "proc/self/cgroup"))
	if err != nil {
		return files
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || !path.IsAbs(parts[2]) {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			files = appendAncestors(files, "sys/fs/cgroup", parts[2], "memory.max")
		case hasController(parts[1], "memory"):
			files = appendAncestors(files, "sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes")
		}
	}
	return files
}

// appendAncestors appends mount/dir/name for dir and each of its parents below the mount.
func appendAncestors(files []string, mount, dir, name string) []string {
	for dir = path.Clean(dir); dir != "/"; dir = path.Dir(dir) {
		files = append(files, path.Join(mount, dir, name))
	}
	return files
}

// hasController reports whether a /proc/self/cgroup controller list names c.
func hasController(list, c string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == c {
			return true
		}
	}
	return false
}
