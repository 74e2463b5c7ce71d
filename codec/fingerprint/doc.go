// Package fingerprint groups SQL statements by the shape of their text.
package fingerprint
