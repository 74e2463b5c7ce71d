// Package sqlscan splits PostgreSQL query text into statements and tokens without allocating.
//
// It is a lexer, not a parser: it knows PostgreSQL 15's lexical rules with
// standard_conforming_strings on, and just enough grammar to find statement
// boundaries and to recognise the few statements the proxy acts on. Every
// slice and offset it returns aliases the caller's text.
//
// The rules: white space is space, tab, newline, carriage return and form
// feed; "--" starts a comment that runs to the end of the line, and "/*"
// starts one that runs to the matching "*/" (block comments nest). '...'
// strings double a quote to escape it and know no backslash escapes; in
// E'...' strings a backslash escapes the next byte; B'...', X'...', N'...' and
// U&'...' are strings too, and a string continues after a closing quote
// when white space holding a newline separates it from another quote.
// "..." and U&"..." are quoted identifiers, with "" for a quote. $tag$...$tag$
// is a dollar-quoted string, where tag is empty or an identifier without "$"
// that does not start with a digit, so $1 is a parameter. Unquoted
// identifiers start with a letter, "_" or a byte >= 0x80 and go on with
// those, digits and "$". An unterminated string, identifier, comment or
// dollar quote runs to the end of the text, and a NUL byte ends the text
// (a Query or Parse message's terminator). The text is read as bytes of an
// ASCII-safe encoding such as UTF-8; with a client_encoding of SJIS, BIG5,
// GBK, UHC or GB18030 a character's second byte can look like a backslash
// inside E'...'.
//
// A top-level ";" ends a statement, except that, as psql does, one inside
// parentheses or inside the BEGIN ATOMIC ... END body of CREATE [OR REPLACE]
// FUNCTION or PROCEDURE does not.
package sqlscan
