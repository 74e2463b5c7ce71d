// pgdogcolumns.go holds the reading of engine/admin/testdata/pgdog_columns.txt, the admin console's columns transcribed from PgDog, for the unit and integration tests that compare the console with it.

package enginetest

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// PgDogColumn is one column PgDog's console sends: its name, type OID and type size.
type PgDogColumn struct {
	Name string
	OID  uint32
	Size int16
}

// pgdogTypes are the types the table names.
var pgdogTypes = map[string]PgDogColumn{"text": {"", 25, -1}, "numeric": {"", 1700, -1}, "bigint": {"", 20, 8}, "bool": {"", 16, 1}}

// PgDogColumns reads the table at path: each command ("SHOW POOLS") with
// its columns, in order. A line "> SHOW X" starts a command; each line
// after it is a column's name and type; # starts a comment.
func PgDogColumns(path string) (map[string][]PgDogColumn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read PgDog's columns: %w", err)
	}
	defer f.Close()
	out := map[string][]PgDogColumn{}
	cmd := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "> "):
			cmd = strings.TrimPrefix(line, "> ")
		default:
			name, typ, ok := strings.Cut(line, " ")
			col, known := pgdogTypes[typ]
			if !ok || !known || cmd == "" {
				return nil, fmt.Errorf("%s: bad line %q", path, line)
			}
			col.Name = name
			out[cmd] = append(out[cmd], col)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read PgDog's columns: %w", err)
	}
	return out, nil
}
