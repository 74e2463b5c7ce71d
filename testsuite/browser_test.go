// browser_test.go holds the test of Browse: a small page served on the loopback comes back as the browser's DOM, its script run, and as a PNG of the asked size.

package testsuite

import (
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// browsePage is a page whose DOM changes once its script has run.
const browsePage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>browse</title></head>
<body style="background:#fff"><h1 id="greeting">Hello</h1>
<script>document.getElementById("greeting").textContent += " from the browser";</script>
</body></html>`

// TestBrowse: Browse returns the DOM after the page's script ran, and
// keeps a width × height PNG under testsuite/out named after the page.
func TestBrowse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(browsePage))
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("the page is served at %s, not on the loopback", srv.URL)
	}
	dom, shot := Browse(t, srv.URL+"/hello?x=1", 640, 480)
	if !strings.Contains(dom, `<h1 id="greeting">Hello from the browser</h1>`) {
		t.Errorf("DOM without the script's change:\n%s", dom)
	}
	if filepath.Base(shot) != "hello.png" || filepath.Base(filepath.Dir(shot)) != "TestBrowse" {
		t.Errorf("screenshot at %s, want testsuite/out/TestBrowse/hello.png", shot)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	if cfg.Width != 640 || cfg.Height != 480 {
		t.Errorf("screenshot of %d×%d, want 640×480", cfg.Width, cfg.Height)
	}
}
