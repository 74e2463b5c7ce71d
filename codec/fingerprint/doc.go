// doc.go holds the package comment: what a fingerprint is, its rules, and where it differs from libpg_query's.

// Package fingerprint groups SQL statements by the shape of their text, as
// mirroring needs to compare a statement run on a mirror with the same one
// on the source.
//
// Of returns a statement's fingerprint, a 64-bit hash (FNV-1a over the
// tokens that survive the rules below, with a final mix); Normalize returns
// its text as shown to an operator, comments gone, white space collapsed,
// unquoted words lower-cased and constants replaced by $1, $2... in text
// order. Both read the text with codec/sqlscan's lexer and allocate nothing
// (Normalize appends to its dst). Of(Normalize(x)) == Of(x) for any x.
//
// The rules follow libpg_query's fingerprint (version 3, that of
// github.com/pganalyze/pg_query_go/v6), as far as a tokenizer can:
//
//   - Constants count for nothing: strings of every kind, numbers, a "-"
//     sign before a number where an operand is expected, $n parameters,
//     TRUE, FALSE and NULL (not after IS or NOT), typed literals (date
//     '2024-01-01', interval '1 day') and CAST(constant AS type), with the
//     first "::type" cast after any of them (so '1'::int, 1::int, 1 and $1
//     are alike; a cast of anything else counts).
//   - Unquoted identifiers and keywords are compared case-folded, quoted
//     identifiers exactly; white space, comments and a trailing ";" do not
//     count, so "x = 1" and "x=1" are alike.
//   - A parenthesised group that holds only constants vanishes, and a comma
//     counts only between two elements that hold something: f(1) is f(),
//     numeric(10, 2) is numeric, VALUES (1, 2), (3, 4) is VALUES ($1, $2),
//     ORDER BY 1, 2 is ORDER BY 1, as libpg_query drops constants and
//     duplicates from its lists. ARRAY[1, 2] is ARRAY[3].
//   - x IN (list of constants) is x = 1, and x NOT IN (...) is x <> 1, and
//     x op ANY (constant) is x op 1: libpg_query makes one kind of all three.
//   - BEGIN, START TRANSACTION and SAVEPOINT and RELEASE keep their first
//     word only (options and names go); COMMIT and END are one, and so are
//     ROLLBACK and ABORT, less WORK, TRANSACTION and the savepoint of
//     ROLLBACK TO; prepared statement names (PREPARE, EXECUTE, DEALLOCATE)
//     and cursor names (DECLARE, CLOSE, FETCH, MOVE) go; SET [LOCAL] name
//     {TO | =} value keeps the name and a value of DEFAULT only, and SET
//     TIME ZONE is SET timezone.
//
// Known differences from libpg_query, which fingerprints the parse tree:
//
//   - Table aliases count here (FROM users u is not FROM users); libpg_query
//     ignores them.
//   - libpg_query sorts and deduplicates the elements of the select list,
//     the FROM list, INSERT's column list, function arguments, AND and OR
//     operands and IN lists; here order counts (a = 1 AND b = 2 is not b = 2
//     AND a = 1), and a constant element of a select list goes with its
//     comma (SELECT 1, a is SELECT a, which libpg_query tells apart).
//   - Redundant parentheses count here; CAST(x AS t) is not x::t unless x is
//     a constant.
//   - Some strings and numbers that are not constants to libpg_query go
//     here like any constant: COMMENT ... IS 'text', NOTIFY's payload,
//     FETCH's count, the value of SET ROLE and the like.
//   - libpg_query drops runs of two or more digits from table names (so the
//     partitions events_2024_01 and events_2024_02 are one table); here they
//     count.
//
// testdata/reference.tsv holds libpg_query's fingerprints of the statements
// of testdata/corpus.sql (statements separated by blank lines; lines starting
// with "#" are notes), and the tests check Of's grouping against it, pair by
// pair, the known differences listed by statement. To regenerate it after
// editing the corpus (refgen is its own module, so pgdogd never depends on
// cgo; its first build compiles libpg_query, a few minutes):
//
//	cd codec/fingerprint/refgen && GOFLAGS=-mod=mod go run .
package fingerprint
