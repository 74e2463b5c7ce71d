// types.go holds what the comparison of mirrored statements reports: per query, per divergence, per mirror.

package insight

import "time"

// Kind is how a statement ended on one side.
type Kind uint8

// The ways a statement ends. Missing: the side never ran it (an earlier
// error in the same pipeline or query string made the server skip it).
const (
	Missing   Kind = iota
	Complete       // CommandComplete; Outcome.Tag holds the command tag ("UPDATE 1")
	Failed         // ErrorResponse; Outcome.Tag holds the SQLSTATE, Outcome.Message the message
	Empty          // EmptyQueryResponse
	Suspended      // PortalSuspended: an Execute with a row limit stopped early
)

// Outcome is one statement's end on one side. Tag and Message alias the
// caller's buffers: Observe copies what it keeps.
type Outcome struct {
	Kind    Kind
	Latency time.Duration // from the statement's first byte sent to its end
	Tag     []byte
	Message []byte
}

// Statement is one statement of a replayed transaction as both sides ran
// it. Text aliases the caller's buffer (the captured request).
type Statement struct {
	Fingerprint    uint64
	Text           []byte
	Source, Mirror Outcome
	// Timed says the latencies are each statement's own: the mirror ran the
	// statement alone. Untimed statements count as calls and divergences,
	// not in the latency histograms.
	Timed bool
}

// DivergenceKind says how the two sides disagreed on one statement.
type DivergenceKind uint8

// The kinds of divergence.
const (
	MirrorError   DivergenceKind = iota // the source succeeded, the mirror failed
	SourceError                         // the source failed, the mirror succeeded
	ErrorMismatch                       // both failed, with different SQLSTATEs
	TagMismatch                         // both completed, with different command tags ("UPDATE 1" / "UPDATE 0")
	NumDivergenceKinds
)

var divergenceNames = [NumDivergenceKinds]string{"mirror_error", "source_error", "error_mismatch", "tag_mismatch"}

// String is the kind's name in the console and the metrics.
func (k DivergenceKind) String() string {
	if k < NumDivergenceKinds {
		return divergenceNames[k]
	}
	return "unknown"
}

// Latency is a latency distribution, summarised.
type Latency struct {
	Count         int64
	Total         time.Duration
	P50, P95, P99 time.Duration
	// Buckets are cumulative counts of observations at or under each of
	// Bounds (Prometheus's "le"), the last bound being +Inf.
	Buckets []int64
}

// Bounds are the upper bounds of the histogram's buckets, the same for every
// histogram; the last is math.MaxInt64 (+Inf).
var Bounds []time.Duration

// QueryStats is one (fingerprint, mirror) entry of the comparison.
type QueryStats struct {
	Mirror      string // the destination database
	Fingerprint uint64
	Query       string // the first statement seen, normalised (constants as $1, $2, ...) and truncated
	Calls       int64  // statements compared
	// OnSource and OnMirror are the latencies of the timed statements that
	// both sides ran (neither Missing); their Count may be below Calls.
	OnSource, OnMirror Latency
	// Ratio is the mirror's median latency over the source's, RatioFloor
	// added to each (1 when both are equal, 0 with no calls).
	Ratio       float64
	Divergences [NumDivergenceKinds]int64
	LastSeen    time.Time
}

// Divergence is one kind of disagreement on one query and mirror, with its
// count and its latest example.
type Divergence struct {
	Mirror      string
	Fingerprint uint64
	Kind        DivergenceKind
	// SQLState is the failing side's SQLSTATE (the mirror's for
	// ErrorMismatch); Message its first message, truncated.
	SQLState, Message string
	// SourceTag and MirrorTag are the command tags or SQLSTATEs each side
	// ended with.
	SourceTag, MirrorTag string
	Query                string // the example statement, truncated
	Count                int64
	First, Last          time.Time
}

// Totals are one mirror's counters since the start (or the last reset):
// statements compared and divergences by kind. They survive eviction.
type Totals struct {
	Mirror      string
	Compared    int64
	Divergences [NumDivergenceKinds]int64
}
