// main.go generates the fingerprint reference from libpg_query for the fingerprint package's tests.

// Command refgen fingerprints every statement of ../testdata/corpus.sql with
// libpg_query (through github.com/pganalyze/pg_query_go, cgo) and writes
// ../testdata/reference.tsv, one line per statement:
//
//	<fingerprint as 16 hex digits>\t<statement as a Go quoted string>
//
// The corpus holds statements separated by blank lines; a line starting with
// "#" is a note about the corpus and is dropped. refgen is its own module so
// that pgdogd never depends on cgo or on pg_query_go. Run it from this
// directory (the first build compiles libpg_query, a few minutes):
//
//	cd codec/fingerprint/refgen && GOFLAGS=-mod=mod go run .
//
// With -normalize it also prints libpg_query's normalised text of each
// statement to standard output, to compare with fingerprint.Normalize.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

func main() {
	in := flag.String("in", "../testdata/corpus.sql", "the corpus")
	out := flag.String("out", "../testdata/reference.tsv", "the reference to write")
	norm := flag.Bool("normalize", false, "print libpg_query's normalised text of each statement")
	flag.Parse()
	stmts, err := readCorpus(*in)
	if err != nil {
		log.Fatal(err)
	}
	var b strings.Builder
	for _, s := range stmts {
		fp, err := pg_query.Fingerprint(s)
		if err != nil {
			log.Fatalf("%q: %v", s, err)
		}
		fmt.Fprintf(&b, "%s\t%s\n", fp, strconv.Quote(s))
		if *norm {
			n, err := pg_query.Normalize(s)
			if err != nil {
				log.Fatalf("normalize %q: %v", s, err)
			}
			fmt.Printf("%s\t%q\n", fp, n)
		}
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d statements fingerprinted into %s", len(stmts), *out)
}

// readCorpus returns the statements of the corpus file: runs of lines
// separated by blank lines, without the lines starting with "#".
func readCorpus(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var stmts, cur []string
	flush := func() {
		if len(cur) > 0 {
			stmts = append(stmts, strings.Join(cur, "\n"))
			cur = cur[:0]
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.TrimSpace(line) == "":
			flush()
		default:
			cur = append(cur, line)
		}
	}
	flush()
	return stmts, sc.Err()
}
