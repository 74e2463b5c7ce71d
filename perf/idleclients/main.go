// Command idleclients opens many logged-in PostgreSQL client connections, keeps them idle, then checks a sample still answers.
//
// It is the client side of perf/bench.sh's idle-clients case: every connection does a full
// startup and login (trust, cleartext or md5: SCRAM is deliberately not supported, to keep the
// client cheap) and waits for ReadyForQuery. Once all are up it prints "ready N" on stdout,
// holds them for -hold, then sends SELECT 1 on every -check'th connection and prints the outcome.
// The exit code is 0 only when every connection logged in and every checked one answered.
package main

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

type options struct {
	addr, user, password, database string
	clients, concurrency, check    int
	hold, loginTimeout, total      time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:6432", "host:port to connect to")
	flag.StringVar(&o.user, "user", "bench", "user name")
	flag.StringVar(&o.password, "password", "", "password (cleartext or md5 auth)")
	flag.StringVar(&o.database, "db", "bench", "database name")
	flag.IntVar(&o.clients, "n", 10000, "client connections to open")
	flag.IntVar(&o.concurrency, "concurrency", 64, "logins in flight at once")
	flag.IntVar(&o.check, "check", 100, "after holding, send SELECT 1 on every check'th connection (0 = none)")
	flag.DurationVar(&o.hold, "hold", 8*time.Second, "how long to keep the connections idle after \"ready\"")
	flag.DurationVar(&o.loginTimeout, "login-timeout", 20*time.Second, "deadline of one connection's login")
	flag.DurationVar(&o.total, "timeout", 120*time.Second, "hard limit on the whole run")
	flag.Parse()
	if o.clients < 1 || o.concurrency < 1 || o.check < 0 {
		fmt.Fprintln(os.Stderr, "idleclients: -n and -concurrency must be positive, -check not negative")
		os.Exit(2)
	}
	time.AfterFunc(o.total, func() {
		slog.Error("idleclients: run exceeded -timeout", "timeout", o.total)
		os.Exit(3)
	})
	if err := run(o); err != nil {
		slog.Error("idleclients failed", "err", err)
		os.Exit(1)
	}
}

// run opens the connections, reports, holds, checks.
func run(o options) error {
	start := time.Now()
	conns, failed, firstErr := openAll(o)
	fmt.Printf("connected %d of %d in %.2fs (failed %d)\n", len(conns), o.clients, time.Since(start).Seconds(), failed)
	if failed > 0 {
		return fmt.Errorf("cannot log in %d of %d clients, first error: %w", failed, o.clients, firstErr)
	}
	fmt.Printf("ready %d\n", len(conns))
	time.Sleep(o.hold)
	checked, bad := checkSample(conns, o.check)
	fmt.Printf("checked %d connections with SELECT 1: %d failed\n", checked, bad)
	for _, c := range conns {
		_ = c.Close()
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d checked connections did not answer SELECT 1", bad, checked)
	}
	return nil
}

// openAll logs in o.clients connections with o.concurrency workers. The returned slice holds
// the connections that logged in; the caller owns and closes them.
func openAll(o options) ([]net.Conn, int, error) {
	var (
		mu       sync.Mutex
		conns    = make([]net.Conn, 0, o.clients)
		failed   int
		firstErr error
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	for w := 0; w < o.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(o.clients) {
				c, err := login(o)
				mu.Lock()
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					conns = append(conns, c)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return conns, failed, firstErr
}

// login dials and runs the startup and authentication exchange up to ReadyForQuery.
func login(o options) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", o.addr, o.loginTimeout)
	if err != nil {
		return nil, fmt.Errorf("cannot dial %s: %w", o.addr, err)
	}
	if err := c.SetDeadline(time.Now().Add(o.loginTimeout)); err != nil {
		c.Close()
		return nil, fmt.Errorf("cannot set deadline: %w", err)
	}
	fe := pgproto3.NewFrontend(c, c)
	fe.Send(&pgproto3.StartupMessage{
		ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters:      map[string]string{"user": o.user, "database": o.database, "application_name": "idleclients"},
	})
	if err := fe.Flush(); err != nil {
		c.Close()
		return nil, fmt.Errorf("cannot send startup: %w", err)
	}
	if err := authenticate(fe, o); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.SetDeadline(time.Time{}); err != nil {
		c.Close()
		return nil, fmt.Errorf("cannot clear deadline: %w", err)
	}
	return c, nil
}

// authenticate answers the server's authentication requests and reads until ReadyForQuery.
func authenticate(fe *pgproto3.Frontend, o options) error {
	for {
		msg, err := fe.Receive()
		if err != nil {
			return fmt.Errorf("cannot read login reply: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.AuthenticationOk, *pgproto3.ParameterStatus, *pgproto3.BackendKeyData, *pgproto3.NoticeResponse:
		case *pgproto3.AuthenticationCleartextPassword:
			fe.Send(&pgproto3.PasswordMessage{Password: o.password})
		case *pgproto3.AuthenticationMD5Password:
			fe.Send(&pgproto3.PasswordMessage{Password: md5Password(o.user, o.password, m.Salt)})
		case *pgproto3.AuthenticationSASL:
			return errors.New("server asks for SASL (SCRAM): configure md5, plain or trust auth")
		case *pgproto3.ErrorResponse:
			return fmt.Errorf("login refused: %s: %s", m.Code, m.Message)
		case *pgproto3.ReadyForQuery:
			return nil
		default:
			return fmt.Errorf("unexpected %T during login", msg)
		}
		if err := fe.Flush(); err != nil {
			return fmt.Errorf("cannot send password: %w", err)
		}
	}
}

// md5Password is PostgreSQL's md5 answer: "md5" + md5(md5(password + user) + salt).
func md5Password(user, password string, salt [4]byte) string {
	inner := md5.Sum([]byte(password + user))
	h := md5.New()
	h.Write([]byte(hex.EncodeToString(inner[:])))
	h.Write(salt[:])
	return "md5" + hex.EncodeToString(h.Sum(nil))
}

// checkSample sends SELECT 1 on every every'th connection; returns how many were checked and failed.
func checkSample(conns []net.Conn, every int) (checked, bad int) {
	if every <= 0 {
		return 0, 0
	}
	for i := 0; i < len(conns); i += every {
		checked++
		if err := selectOne(conns[i]); err != nil {
			bad++
			if bad == 1 {
				slog.Error("idle connection did not answer", "index", i, "err", err)
			}
		}
	}
	return checked, bad
}

// selectOne runs SELECT 1 on c and expects one row holding "1", then ReadyForQuery.
func selectOne(c net.Conn) error {
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return fmt.Errorf("cannot set deadline: %w", err)
	}
	fe := pgproto3.NewFrontend(c, c)
	fe.Send(&pgproto3.Query{String: "SELECT 1"})
	if err := fe.Flush(); err != nil {
		return fmt.Errorf("cannot send query: %w", err)
	}
	got := ""
	for {
		msg, err := fe.Receive()
		if err != nil {
			return fmt.Errorf("cannot read reply: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			if len(m.Values) == 1 {
				got = string(m.Values[0])
			}
		case *pgproto3.ErrorResponse:
			return fmt.Errorf("query failed: %s: %s", m.Code, m.Message)
		case *pgproto3.ReadyForQuery:
			if got != "1" {
				return fmt.Errorf("SELECT 1 returned %q", got)
			}
			return nil
		}
	}
}
