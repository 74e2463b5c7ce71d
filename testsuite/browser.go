// browser.go holds Browse: a page loaded in headless Chromium, its DOM once loaded and a screenshot kept under testsuite/out for people to look at.

package testsuite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// DefaultChromium is where Debian's chromium package puts the browser,
// unless CHROMIUM says otherwise (scripts/need-chromium.sh installs it).
const DefaultChromium = "/usr/bin/chromium"

// browseTimeout bounds one run of the browser.
const browseTimeout = 60 * time.Second

// chromiumFlags keep a headless run to itself: no sandbox (tests run as
// root), no GPU, no network but the page's, no first-run or sync work.
var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"}

// Chromium returns the browser's path.
func Chromium() string {
	if c := os.Getenv("CHROMIUM"); c != "" {
		return c
	}
	return DefaultChromium
}

// requireChromium skips t when the browser is missing, or fails it under
// CI=true, where the browser tests are mandatory.
func requireChromium(t testing.TB) string {
	t.Helper()
	bin := Chromium()
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("Chromium not found at %s: run scripts/need-chromium.sh (Debian package chromium, or set CHROMIUM)", bin)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " [CI=true: the browser tests are mandatory]")
		}
		t.Skip(msg)
	}
	return bin
}

// Browse loads url in headless Chromium and returns the DOM once the page
// has loaded (its scripts run) and the path of a width × height screenshot
// of it, testsuite/out/<test name>/<last element of url's path>.png, which
// outlives the test (a later Browse of the same path in the same test
// replaces it). Each run has its own profile and at most a minute.
func Browse(t testing.TB, url string, width, height int) (dom, screenshotPath string) {
	t.Helper()
	bin := requireChromium(t)
	out, err := runChromium(t, bin, "--dump-dom", url)
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v", url, err)
	}
	dom = string(out)
	screenshotPath, err = screenshotFile(t, url)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(screenshotPath) // a failed run must not leave an older picture looking current
	if _, err := runChromium(t, bin, "--screenshot="+screenshotPath,
		"--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), url); err != nil {
		t.Fatalf("chromium --screenshot %s: %v", url, err)
	}
	if png, err := os.ReadFile(screenshotPath); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("chromium wrote no PNG screenshot of %s at %s (%v)", url, screenshotPath, err)
	}
	t.Logf("screenshot of %s: %s", url, screenshotPath)
	return dom, screenshotPath
}

// screenshotFile is where Browse keeps the screenshot of url.
func screenshotFile(t testing.TB, url string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	name := strings.TrimRight(url, "/")
	if i := strings.Index(name, "://"); i >= 0 {
		name = name[i+3:]
	}
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	} else {
		name = "index" // no path: the site's root
	}
	dir := filepath.Join(root, "testsuite", "out", fileSafe(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cannot create the screenshots' folder: %w", err)
	}
	return filepath.Join(dir, fileSafe(name)+".png"), nil
}

// fileSafe is s with every byte but letters, digits, '-', '_' and '.' made '_'.
func fileSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// runChromium runs the browser with chromiumFlags, a fresh profile and
// args, in a process group of its own that is killed whole when the run
// outlasts browseTimeout, and returns its standard output.
func runChromium(t testing.TB, bin string, args ...string) ([]byte, error) {
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), browseTimeout)
	defer cancel()
	argv := append(append(append([]string{}, chromiumFlags...), "--user-data-dir="+profile), args...)
	cmd := exec.CommandContext(ctx, bin, argv...)
	cmd.Env = append(os.Environ(), "HOME="+profile) // keep the browser's caches in the test's folder
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within %v, killed", browseTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, tail(stderr.String(), 2000))
	}
	return stdout.Bytes(), nil
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
