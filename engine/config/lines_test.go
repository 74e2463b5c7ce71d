// Tests of the key line scanner.

package config

import (
	"testing"

	"github.com/BurntSushi/toml"
)

func TestScanKeyLines(t *testing.T) {
	const text = `# comment with key = 1
[general]
port = 1 # trailing [comment
"quoted key" = "value with = and [ inside"
multi = """
fake = 2
[fake]
"""
after = 3
arr = [
  1, # x = 9
  2,
]
dotted.key = 4

[[databases]]
name = "a"

[[ databases ]]
name = "b"
lit = '''
x = 1
'''
tail = 5
[ "admin" ]
password = "it's \"x = [1\""
next = 6
`
	want := map[string]int{
		"general":            2,
		"general.port":       3,
		"general.quoted key": 4,
		"general.multi":      5,
		"general.after":      9,
		"general.arr":        10,
		"general.dotted.key": 14,
		"databases[1]":       16,
		"databases[1].name":  17,
		"databases[2]":       19,
		"databases[2].name":  20,
		"databases[2].lit":   21,
		"databases[2].tail":  24,
		"admin":              25,
		"admin.password":     26,
	}
	var m map[string]any
	if _, err := toml.Decode(text, &m); err != nil {
		t.Fatalf("test input is not valid TOML: %v", err)
	}
	got := scanKeyLines(text)
	for k, line := range want {
		if got[k] != line {
			t.Errorf("%s: line %d, want %d", k, got[k], line)
		}
	}
	for _, k := range []string{"general.fake", "fake", "databases[2].x", "general.x"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s recorded from inside a string or array", k)
		}
	}
}
