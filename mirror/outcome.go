// outcome.go holds how a transaction's statements ended on one side: outcome records, back to back in one buffer.

package mirror

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// An outcome record is one byte of kind, then for every kind but SyncPoint the
// statement's latency in nanoseconds (int64, big-endian), the tag's length
// (one byte) and the tag, the message's length (one byte) and the message.
// The tag is the command tag, or the SQLSTATE of an error; the message is an
// error's, cut to MaxOutcomeText bytes.
const (
	OutcomeComplete  byte = 'C' // CommandComplete
	OutcomeError     byte = 'E' // ErrorResponse
	OutcomeEmpty     byte = 'I' // EmptyQueryResponse
	OutcomeSuspended byte = 's' // PortalSuspended
	// SyncPoint is a ReadyForQuery: the statements after it belong to the
	// next Query or Sync of the transaction.
	SyncPoint byte = 'Z'
)

// MaxOutcomeText bounds a record's tag and message.
const MaxOutcomeText = 255

// IsOutcome reports whether a reply of type typ ends a statement.
func IsOutcome(typ byte) bool {
	switch typ {
	case codec.MsgCommandComplete, codec.MsgErrorResponse, codec.MsgEmptyQueryResponse, codec.MsgPortalSuspended:
		return true
	}
	return false
}

// AppendOutcome appends the record of the whole reply frame (a type IsOutcome
// accepts) that ended a statement after lat.
func AppendOutcome(dst []byte, frame []byte, lat time.Duration) []byte {
	typ := frame[0]
	body := frame[codec.HeaderLen:]
	var tag, msg []byte
	switch typ {
	case codec.MsgCommandComplete:
		tag = body
		if i := bytes.IndexByte(tag, 0); i >= 0 {
			tag = tag[:i]
		}
	case codec.MsgErrorResponse:
		_, tag, msg = codec.ErrorFields(body)
	}
	tag, msg = tag[:min(len(tag), MaxOutcomeText)], msg[:min(len(msg), MaxOutcomeText)]
	dst = append(dst, typ)
	dst = binary.BigEndian.AppendUint64(dst, uint64(lat))
	dst = append(dst, byte(len(tag)))
	dst = append(dst, tag...)
	dst = append(dst, byte(len(msg)))
	return append(dst, msg...)
}

// NextOutcome reads the record at the start of buf: sync is true for a
// SyncPoint; otherwise o is the statement's outcome, its Tag and Message
// aliasing buf. n is the record's size; ok is false when buf does not start
// with a whole record.
func NextOutcome(buf []byte) (o insight.Outcome, sync bool, n int, ok bool) {
	if len(buf) == 0 {
		return o, false, 0, false
	}
	if buf[0] == SyncPoint {
		return o, true, 1, true
	}
	if len(buf) < 10 {
		return o, false, 0, false
	}
	switch buf[0] {
	case OutcomeComplete:
		o.Kind = insight.Complete
	case OutcomeError:
		o.Kind = insight.Failed
	case OutcomeEmpty:
		o.Kind = insight.Empty
	case OutcomeSuspended:
		o.Kind = insight.Suspended
	default:
		return o, false, 0, false
	}
	o.Latency = time.Duration(binary.BigEndian.Uint64(buf[1:9]))
	t := int(buf[9])
	if len(buf) < 11+t {
		return o, false, 0, false
	}
	o.Tag = buf[10 : 10+t : 10+t]
	m := int(buf[10+t])
	if len(buf) < 11+t+m {
		return o, false, 0, false
	}
	o.Message = buf[11+t : 11+t+m : 11+t+m]
	return o, false, 11 + t + m, true
}
