// replay_compare_test.go checks the outcomes a replay records for the comparison: tags, SQLSTATEs, sync points, latencies, whatever the reads cut.

package mirror

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/mirror/insight"
)

// chunkedDest answers every write with the next scripted reply, handed out chunk
// bytes per Read, advancing the virtual clock by step before each read.
type chunkedDest struct {
	replies [][]byte
	pending []byte
	chunk   int
	clock   *virtualClock
	step    time.Duration
}

func (d *chunkedDest) Write(p []byte) (int, error) {
	for b := p; len(b) >= 5 && len(d.replies) > 0; b = b[1+int(binary.BigEndian.Uint32(b[1:5])):] {
		if b[0] == 'Q' { // one reply per Query
			d.pending = append(d.pending, d.replies[0]...)
			d.replies = d.replies[1:]
		}
	}
	return len(p), nil
}

func (d *chunkedDest) Read(p []byte) (int, error) {
	if len(d.pending) == 0 {
		return 0, io.EOF
	}
	d.clock.t = d.clock.t.Add(d.step)
	n := copy(p, d.pending[:min(d.chunk, len(d.pending))])
	d.pending = d.pending[n:]
	return n, nil
}

func TestReplayRecordsOutcomes(t *testing.T) {
	bigMsg := strings.Repeat("e", 100<<10) // an ErrorResponse larger than the read buffer
	hugeMsg := strings.Repeat("h", 2<<20)  // one larger than maxWholeReply: recorded without its SQLSTATE
	replies := [][]byte{
		append(reply(t, &pgproto3.CommandComplete{CommandTag: []byte("UPDATE 3")}), reply(t, &pgproto3.ReadyForQuery{TxStatus: 'T'})...),
		append(reply(t, &pgproto3.ErrorResponse{Severity: "ERROR", Code: "42703", Message: bigMsg}), reply(t, &pgproto3.ReadyForQuery{TxStatus: 'E'})...),
		append(reply(t, &pgproto3.ErrorResponse{Severity: "ERROR", Code: "25P02", Message: hugeMsg}), reply(t, &pgproto3.ReadyForQuery{TxStatus: 'E'})...),
		append(reply(t, &pgproto3.EmptyQueryResponse{}), reply(t, &pgproto3.ReadyForQuery{TxStatus: 'I'})...),
	}
	for _, chunk := range []int{1 << 20, 7, 1} {
		if chunk == 1 {
			replies = replies[:1] // a byte at a time: the small replies only
		}
		clock := newVirtualClock()
		dest := &chunkedDest{replies: append([][]byte(nil), replies...), chunk: chunk, clock: clock, step: time.Millisecond}
		var txn []byte
		for range replies {
			txn = AppendRecord(txn, 0, frames(t, &pgproto3.Query{String: "q"}))
		}
		r := NewReplayer()
		r.Clock = clock.now
		r.Compare = true
		if _, err := r.Replay(dest, txn, clock.now(), clock.sleep); err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		if len(r.rbuf) != readBuf {
			t.Errorf("chunk %d: the read buffer kept %d bytes after the replay, want %d", chunk, len(r.rbuf), readBuf)
		}
		var kinds, tags []string
		buf := r.Outcomes()
		for len(buf) > 0 {
			o, sync, n, ok := NextOutcome(buf)
			if !ok {
				t.Fatalf("chunk %d: bad outcome records %q", chunk, buf)
			}
			buf = buf[n:]
			if sync {
				kinds = append(kinds, "Z")
				continue
			}
			kinds = append(kinds, map[insight.Kind]string{insight.Complete: "C", insight.Failed: "E", insight.Empty: "I"}[o.Kind])
			tags = append(tags, string(o.Tag))
			if o.Latency <= 0 {
				t.Errorf("chunk %d: latency %v, want the virtual time the reply took", chunk, o.Latency)
			}
		}
		wantKinds, wantTags := "C Z E Z E Z I Z", "UPDATE 3|42703||"
		if chunk == 1 {
			wantKinds, wantTags = "C Z", "UPDATE 3"
		}
		if strings.Join(kinds, " ") != wantKinds || strings.Join(tags, "|") != wantTags {
			t.Errorf("chunk %d: outcomes %v %q, want %s %q", chunk, kinds, tags, wantKinds, wantTags)
		}
	}
}

func TestReplayWithoutCompareRecordsNothing(t *testing.T) {
	clock := newVirtualClock()
	dest := &chunkedDest{replies: [][]byte{append(reply(t, &pgproto3.CommandComplete{CommandTag: []byte("SELECT 1")}),
		reply(t, &pgproto3.ReadyForQuery{TxStatus: 'I'})...)}, chunk: 3, clock: clock}
	r := NewReplayer()
	r.Clock = clock.now
	if _, err := r.Replay(dest, AppendRecord(nil, 0, frames(t, &pgproto3.Query{String: "select 1"})), clock.now(), clock.sleep); err != nil {
		t.Fatal(err)
	}
	if len(r.Outcomes()) != 0 || !bytes.Equal(dest.pending, nil) {
		t.Fatalf("outcomes %q recorded without Compare", r.Outcomes())
	}
}
