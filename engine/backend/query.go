// query.go holds a simple query on a logged-in connection, for pgdogd's own checks (health, replication lag).

package backend

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// QueryError is the ErrorResponse a check's query got.
type QueryError struct{ Code, Message string }

func (e *QueryError) Error() string { return e.Code + ": " + e.Message }

// maxCheckReply bounds a reply to a check's query: they return a row or two.
const maxCheckReply = 1 << 20

// Query runs sql with the simple protocol within timeout and returns the
// text values of its rows (a NULL as ""). An ErrorResponse is a *QueryError;
// the connection is still usable after one, not after any other error.
func (c *Conn) Query(sql string, timeout time.Duration) ([][]string, error) {
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, fmt.Errorf("cannot set a deadline: %w", err)
	}
	defer func() { _ = c.SetDeadline(time.Time{}) }()
	if _, err := c.Write(codec.AppendQuery(nil, sql)); err != nil {
		return nil, fmt.Errorf("cannot send a query: %w", err)
	}
	var rows [][]string
	var qerr *QueryError
	hdr := make([]byte, codec.HeaderLen)
	for {
		if _, err := io.ReadFull(c, hdr); err != nil {
			return nil, fmt.Errorf("cannot read a reply: %w", err)
		}
		n := int(binary.BigEndian.Uint32(hdr[1:])) - 4
		if n < 0 || n > maxCheckReply {
			return nil, errors.New("cannot read a reply: bad message length")
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(c, body); err != nil {
			return nil, fmt.Errorf("cannot read a reply: %w", err)
		}
		switch hdr[0] {
		case codec.MsgDataRow:
			rows = append(rows, dataRow(body))
		case codec.MsgErrorResponse:
			_, code, msg := codec.ErrorFields(body)
			qerr = &QueryError{Code: string(code), Message: string(msg)}
		case codec.MsgReadyForQuery:
			if qerr != nil {
				return nil, qerr
			}
			return rows, nil
		}
	}
}

// dataRow reads a DataRow body's values as text.
func dataRow(body []byte) []string {
	if len(body) < 2 {
		return nil
	}
	n := int(binary.BigEndian.Uint16(body))
	body = body[2:]
	out := make([]string, 0, n)
	for range n {
		if len(body) < 4 {
			break
		}
		l := int(int32(binary.BigEndian.Uint32(body)))
		body = body[4:]
		if l < 0 || l > len(body) {
			out = append(out, "")
			continue
		}
		out = append(out, string(body[:l]))
		body = body[l:]
	}
	return out
}
