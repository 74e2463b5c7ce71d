// hash.go holds the 64-bit hash the fingerprint is made of, fed token by token.

package fingerprint

// FNV-1a, 64 bits.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

// hasher hashes a stream of tokens. Each token is preceded by its class
// byte, so that two tokens never hash like one.
type hasher struct{ h uint64 }

func newHasher() hasher { return hasher{h: fnvOffset} }

// byte mixes in one byte.
func (s *hasher) byte(c byte) {
	s.h ^= uint64(c)
	s.h *= fnvPrime
}

// token mixes in a token of class class with bytes b, lower-casing A-Z when fold is set.
func (s *hasher) token(class byte, b []byte, fold bool) {
	s.byte(class)
	h := s.h
	for _, c := range b {
		if fold && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint64(c)
		h *= fnvPrime
	}
	s.h = h
}

// punct mixes in the one-byte punctuation c, as token(classPunct, []byte{c}, false) would.
func (s *hasher) punct(c byte) {
	s.byte(classPunct)
	s.byte(c)
}

// word mixes in the keyword w, which is lower case.
func (s *hasher) word(w string) {
	s.byte(classWord)
	for i := 0; i < len(w); i++ {
		s.byte(w[i])
	}
}

// sum returns the hash, finished with a final mix so that short streams
// spread over all 64 bits.
func (s *hasher) sum() uint64 {
	h := s.h
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// The classes of emitted token.
const (
	classWord   byte = 'w' // keyword or unquoted identifier, folded
	classQuoted byte = 'q' // quoted identifier, exact
	classPunct  byte = 'p' // one byte of punctuation or operator
	classLit    byte = 'l' // a constant kept as it is (a literal the rules do not drop)
)
