// Differential protocol test: the script types a generator produces and a runner plays, and the batch builder.

package testsuite

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"
)

// DiffFeature is a set of things the differential generator may use beyond plain traffic.
type DiffFeature uint8

const (
	// DiffSplits writes batches in several pieces at chosen offsets.
	DiffSplits DiffFeature = 1 << iota
	// DiffLeaves makes some clients leave abruptly (mid-batch, mid-frame, mid-COPY, mid-transaction).
	DiffLeaves
	// DiffBig adds 100 KB to 1 MB frames and results.
	DiffBig
	// DiffDeallocate adds DEALLOCATE and DISCARD ALL in every form, not only a leading simple DEALLOCATE ALL.
	DiffDeallocate
	// DiffPrepareOnly adds batches of named Parses and a Sync sent between transactions.
	DiffPrepareOnly
	// DiffMisuse adds a Parse of a name still defined and Binds with a wrong parameter count.
	DiffMisuse
	// DiffAll is every feature.
	DiffAll DiffFeature = 1<<iota - 1
)

// DiffOptions are the knobs of one generation.
type DiffOptions struct {
	Clients  int
	Steps    int // steps per client, roughly: a unit of several steps is never cut
	Features DiffFeature
}

// SplitKind says where a batch is cut between two writes.
type SplitKind uint8

const (
	SplitHeader  SplitKind = iota // inside a frame's 5-byte header
	SplitEndLess                  // one byte before a frame's end
	SplitEnd                      // exactly at a frame's end
	SplitEndMore                  // one byte after a frame's end
	SplitBody                     // in the middle of a frame's body
	splitKinds
)

var splitNames = [...]string{"header", "end-1", "end", "end+1", "mid-body"}

func (k SplitKind) String() string { return splitNames[k] }

// DiffSplit is one write boundary: a new Write call starts at offset At.
type DiffSplit struct {
	At   int
	Kind SplitKind
}

// LeaveKind says how a client leaves at a step; LeaveNone means it does not.
type LeaveKind uint8

const (
	LeaveNone      LeaveKind = iota
	LeaveInBatch             // writes Batch[:Cut] (at a frame boundary or mid-frame) and closes without reading
	LeaveInCopy              // sends Batch, reads up to CopyInResponse, writes Copy[:Cut] and closes
	LeaveAfter               // plays the step normally, then closes (used inside a transaction)
	LeaveTerminate           // sends Batch (ending with Terminate) and closes
	leaveKinds
)

var leaveNames = [...]string{"none", "in-batch", "in-copy", "after-step", "terminate"}

func (k LeaveKind) String() string { return leaveNames[k] }

// DiffStep is a batch of frontend frames and what the runner does around it.
type DiffStep struct {
	Label  string
	Batch  []byte
	Splits []DiffSplit // ascending, inside Batch
	// The step ends after Ready ReadyForQuery messages; with Ready == 0 it ends after UntilN
	// messages whose type is in Until, or at the first ErrorResponse (a Flush step).
	Ready  int
	Until  string
	UntilN int
	// Copy is written when a CopyInResponse arrives (CopyData..., then CopyDone or CopyFail).
	Copy       []byte
	CopySplits []DiffSplit
	Leave      LeaveKind
	Cut        int // LeaveInBatch: bytes of Batch written; LeaveInCopy: bytes of Copy written
	CutWhere   string
}

// DiffScript is one client's session: its table and its steps.
type DiffScript struct {
	Client int
	Table  string
	Steps  []DiffStep
}

// diffTable is client i's own table.
func diffTable(i int) string { return fmt.Sprintf("diff_t%d", i) }

// batch builds a step's frames and counts the ReadyForQuery messages they will bring.
type batch struct {
	buf   []byte
	ready int
	label []string
}

// add appends one frontend message.
func (b *batch) add(msgs ...pgproto3.FrontendMessage) *batch {
	for _, m := range msgs {
		var err error
		if b.buf, err = m.Encode(b.buf); err != nil {
			panic(fmt.Sprintf("cannot encode %T: %v", m, err)) // only oversized test data gets here
		}
		switch m.(type) {
		case *pgproto3.Query, *pgproto3.Sync:
			b.ready++
		}
	}
	return b
}

// query appends a simple Query.
func (b *batch) query(sql string) *batch { return b.add(&pgproto3.Query{String: sql}) }

// sync appends a Sync.
func (b *batch) sync() *batch { return b.add(&pgproto3.Sync{}) }

// note adds words to the step label.
func (b *batch) note(s string) *batch {
	b.label = append(b.label, s)
	return b
}

// step turns the batch into a step that ends after its ReadyForQuery messages.
func (b *batch) step() DiffStep {
	return DiffStep{Label: joinLabel(b.label), Batch: b.buf, Ready: b.ready}
}

func joinLabel(parts []string) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += " "
		}
		s += p
	}
	return s
}

// frameSpans returns the [start, end) of every frame in buf, which holds whole frames.
func frameSpans(buf []byte) [][2]int {
	var spans [][2]int
	for off := 0; off+5 <= len(buf); {
		size := 1 + int(uint32(buf[off+1])<<24|uint32(buf[off+2])<<16|uint32(buf[off+3])<<8|uint32(buf[off+4]))
		spans = append(spans, [2]int{off, off + size})
		off += size
	}
	return spans
}
