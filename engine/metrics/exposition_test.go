// exposition_test.go holds a reader of the text exposition for the tests: each sample's name, labels (unescaped) and value, and promtool's check when it is installed.

package metrics

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sampleLine is one sample of the exposition.
type sampleLine struct {
	name   string
	labels map[string]string
	value  float64
}

// parseExposition reads every sample line of text, failing on one that is
// not name[{label="value",...}] value.
func parseExposition(t *testing.T, text string) []sampleLine {
	t.Helper()
	var out []sampleLine
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out = append(out, s)
	}
	return out
}

// parseSample reads one sample line.
func parseSample(line string) (sampleLine, error) {
	s := sampleLine{labels: map[string]string{}}
	end := strings.IndexAny(line, "{ ")
	if end <= 0 {
		return s, fmt.Errorf("no name")
	}
	s.name, line = line[:end], line[end:]
	if line[0] == '{' {
		rest, err := parseLabels(line[1:], s.labels)
		if err != nil {
			return s, err
		}
		line = rest
	}
	if !strings.HasPrefix(line, " ") {
		return s, fmt.Errorf("no space before the value")
	}
	v, err := strconv.ParseFloat(line[1:], 64)
	s.value = v
	return s, err
}

// parseLabels reads name="value" pairs up to the closing brace into into,
// unescaping \\, \" and \n, and returns what follows the brace.
func parseLabels(s string, into map[string]string) (string, error) {
	for {
		eq := strings.Index(s, `="`)
		if eq <= 0 {
			return "", fmt.Errorf("a label without a value")
		}
		name := s[:eq]
		s = s[eq+2:]
		var v strings.Builder
		i := 0
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				v.WriteByte(map[byte]byte{'n': '\n', '\\': '\\', '"': '"'}[s[i]])
				continue
			}
			v.WriteByte(s[i])
		}
		if i == len(s) {
			return "", fmt.Errorf("unterminated value of label %s", name)
		}
		if _, dup := into[name]; dup {
			return "", fmt.Errorf("label %s twice", name)
		}
		into[name] = v.String()
		s = s[i+1:]
		switch {
		case strings.HasPrefix(s, "}"):
			return s[1:], nil
		case strings.HasPrefix(s, ","):
			s = s[1:]
		default:
			return "", fmt.Errorf("after label %s: %q", name, s)
		}
	}
}

// promtoolFindings runs promtool check metrics on text and returns its
// lint findings; the text must parse. Without promtool the check is
// skipped, unless CI=true (scripts/need-promtool.sh installs it).
func promtoolFindings(t *testing.T, text string) []string {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		msg := "promtool not found: run scripts/need-promtool.sh (Debian package prometheus)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " [CI=true: the metrics check is mandatory]")
		}
		t.Log(msg + "; the exposition is checked by the test's own reader only")
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 { // lint findings only
		err = nil
	}
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out.String())
	}
	var findings []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line != "" {
			findings = append(findings, line)
		}
	}
	return findings
}
