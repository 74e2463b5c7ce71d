// fake_test.go holds a fake Control for the console's tests: it records what it is asked.

package admin

import (
	"strconv"
	"sync"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine"
)

// fakeControl records its calls. Set knows one key, mirror_exposure, and
// checks it as the engine does (0.0 to 1.0).
type fakeControl struct {
	mu        sync.Mutex
	calls     []string // "pause db", "resume ", "reload", ...
	exposure  float64
	failWith  error // returned by Pause, Resume, Reconnect and Reload when set
	shutdowns int
	resets    int
}

func (f *fakeControl) record(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	return f.failWith
}

func (f *fakeControl) Pause(db string) error     { return f.record("pause " + db) }
func (f *fakeControl) Resume(db string) error    { return f.record("resume " + db) }
func (f *fakeControl) Reconnect(db string) error { return f.record("reconnect " + db) }
func (f *fakeControl) Reload() error             { return f.record("reload") }
func (f *fakeControl) Shutdown()                 { f.mu.Lock(); f.shutdowns++; f.mu.Unlock() }
func (f *fakeControl) ResetMirrorStats()         { f.mu.Lock(); f.resets++; f.mu.Unlock() }

func (f *fakeControl) Set(key, value string) error {
	if key != "mirror_exposure" {
		return &engine.Error{Code: codec.CodeUndefinedObject, Msg: "unknown or read-only setting " + strconv.Quote(key)}
	}
	x, err := strconv.ParseFloat(value, 64)
	if err != nil || x < 0 || x > 1 {
		return &engine.Error{Code: codec.CodeInvalidParameterValue, Msg: "mirror_exposure must be a number from 0.0 to 1.0"}
	}
	f.exposure = x
	return nil
}
