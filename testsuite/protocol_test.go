// Protocol negotiation: a client asking for a newer minor version or unknown _pq_ options is told what pgdogd speaks.

package testsuite

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/codec"
)

func TestProtocolNegotiation(t *testing.T) {
	p := StartProxy(t, DefaultConfig(shared))
	r, err := RawDial(p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start := codec.AppendStartupMessage(nil, 3, 9,
		codec.Param{Name: "user", Value: Alice.User}, codec.Param{Name: "database", Value: Alice.Database},
		codec.Param{Name: "_pq_.future_option", Value: "on"})
	if _, err := r.Write(start); err != nil {
		t.Fatal(err)
	}
	msg, err := r.Receive(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	npv, ok := msg.(*pgproto3.NegotiateProtocolVersion)
	if !ok {
		t.Fatalf("first answer %T, want NegotiateProtocolVersion", msg)
	}
	if npv.NewestMinorProtocol&0xffff != 2 || len(npv.UnrecognizedOptions) != 1 || npv.UnrecognizedOptions[0] != "_pq_.future_option" {
		t.Fatalf("NegotiateProtocolVersion = %+v, want minor 2 and the unknown option", npv)
	}
	msg, err = r.Receive(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := msg.(*pgproto3.AuthenticationSASL); !ok {
		t.Fatalf("after negotiation %T, want AuthenticationSASL", msg)
	}
}
