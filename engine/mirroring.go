// mirroring.go holds the mirrors of a pool and the capture of a client's transactions for them.

package engine

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/pgdogd/pgdogd/bufpool"
	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/mirroring"
	"github.com/pgdogd/pgdogd/engine/session"
	"github.com/pgdogd/pgdogd/mirror"
)

// mirrorDest is one [[mirroring]] entry as seen from one user's source pool.
type mirrorDest struct {
	source, dest *pool
	sourceDB     string
	destDB       string
	level        string
	exposure     atomic.Uint64 // math.Float64bits
	queueLen     atomic.Int64
	maxTxn       atomic.Int64 // mirror_max_transaction_size
	downUntil    atomic.Int64 // unix nanoseconds; drops as unavailable until then
	stats        mirrorStats
}

// mirrorStats are the counters of one mirrorDest, bumped once per transaction.
type mirrorStats struct {
	total, mirrored, errors atomic.Int64
	dropped                 [mirroring.NumDropReasons]atomic.Int64
	queued                  atomic.Int64 // transactions in this mirror's queues now
	lagNanos                atomic.Int64 // last replay's end minus the source transaction's end
	maxLateNanos            atomic.Int64 // worst lateness of a request against its recorded offset, last replay
	lag                     *mirroring.Lag
}

func (d *mirrorDest) setExposure(x float64) { d.exposure.Store(math.Float64bits(x)) }
func (d *mirrorDest) getExposure() float64  { return math.Float64frombits(d.exposure.Load()) }

func (d *mirrorDest) drop(r mirroring.DropReason) { d.stats.dropped[r].Add(1) }

func (d *mirrorDest) down(now time.Time) bool { return now.UnixNano() < d.downUntil.Load() }

// markDown makes the producers drop this mirror's transactions for a second.
func (d *mirrorDest) markDown() { d.downUntil.Store(time.Now().Add(time.Second).UnixNano()) }

// txn is one captured transaction on its way to a mirror. Its buffer holds
// one reference per queue it was pushed on.
type txn struct {
	buf        *bufpool.Buf
	start, end time.Time      // on the source
	params     session.Params // the client's settings; shared, never modified
	// outsAt, when compared is set, is where the source's outcome records
	// (mirror/outcome.go) start in buf, after the requests.
	outsAt   int
	compared bool
}

// requests returns the captured request records; outcomes the source's outcome records.
// Both alias the buffer and are valid while the caller holds a reference.
func (t txn) requests() []byte {
	if t.compared {
		return t.buf.Bytes()[:t.outsAt]
	}
	return t.buf.Bytes()
}

func (t txn) outcomes() []byte {
	if t.compared {
		return t.buf.Bytes()[t.outsAt:]
	}
	return nil
}

// duration is how long the transaction took on the source.
func (t txn) duration() time.Duration {
	if t.start.IsZero() {
		return 0
	}
	return max(t.end.Sub(t.start), 0)
}

// capture is a client's recording of the transaction in progress.
type capture struct {
	links         []*mirrorLink // per mirror of the client's pool, made at first use
	buf           *bufpool.Buf  // nil when the transaction is not recorded
	want          uint64        // bit i: mirror i drew this transaction
	start         time.Time
	inTx          bool
	failed        bool
	parsedUnnamed bool // the recording holds an unnamed Parse (mirrors need one before an unnamed Bind)
	tooBig        bool
	noMemory      bool           // the recording was given up: it did not fit within mirror_memory_limit
	frames        codec.Walker   // where the recorded frames stand
	lost          bool           // the frames could not be followed (a header cut by a read)
	snap          session.Params // the client's settings as last handed to mirrors
	snapGen       uint64
	rng           *rand.Rand // exposure draws, made at the first transaction with mirrors
	outcomes
}

// outcomes is how the recorded transaction's statements end on the source, for the
// comparison with the mirrors (mirror_stats): one clock read per statement's end.
type outcomes struct {
	compare     bool      // the transaction's statements are compared
	outs        []byte    // outcome records (mirror/outcome.go), reused
	stmtStart   time.Time // when the statement being answered began: sent, or the previous one ended
	outstanding bool      // a request was forwarded and its ReadyForQuery has not come
}

// maxOutcomes bounds a transaction's outcome records: a longer transaction is not compared.
const maxOutcomes = 256 << 10

// sent runs as a request reaches the source at now.
func (o *outcomes) sent(now time.Time) {
	if o.compare && !o.outstanding {
		o.stmtStart, o.outstanding = now, true
	}
}

// reply records a whole reply frame that ends a statement, or a client's ReadyForQuery.
func (o *outcomes) reply(frame []byte) {
	if frame[0] == codec.MsgReadyForQuery {
		o.outs = append(o.outs, mirror.SyncPoint)
		o.outstanding = false
		return
	}
	now := time.Now()
	o.outs = mirror.AppendOutcome(o.outs, frame, max(now.Sub(o.stmtStart), 0))
	o.stmtStart = now
	if len(o.outs) > maxOutcomes {
		o.compare = false
	}
}

// attach appends the outcome records to the transaction's buffer, when they fit within
// mirror_memory_limit, and forgets them.
func (o *outcomes) attach(t *txn) {
	if o.compare && t.buf != nil && len(o.outs) > 0 && t.buf.TryGrow(len(o.outs)) {
		t.outsAt, t.compared = t.buf.Len(), true
		t.buf.Append(o.outs...)
	}
	o.outs, o.compare, o.outstanding = o.outs[:0], false, false
	if cap(o.outs) > 64<<10 {
		o.outs = nil
	}
}

// sampler returns the client's source of exposure draws: random, or with
// mirror_seed a fixed sequence per client (the n-th client to log in draws
// the same numbers every run, whichever of them comes first).
func (cl *client) sampler() *rand.Rand {
	if cl.cap.rng == nil {
		seed := uint64(cl.e.cfg.Load().General.MirrorSeed)
		stream := cl.seq
		if seed == 0 {
			seed, stream = rand.Uint64(), rand.Uint64()
		}
		cl.cap.rng = rand.New(rand.NewPCG(seed, stream))
	}
	return cl.cap.rng
}

// beginTx runs at the first request of a transaction: exposure is drawn once for all mirrors.
func (cl *client) beginTx() {
	c := &cl.cap
	c.inTx, c.failed, c.tooBig, c.noMemory, c.want, c.parsedUnnamed = true, false, false, false, 0, false
	c.outs, c.compare, c.outstanding = c.outs[:0], false, false
	c.frames.Reset() // a transaction starts with a frame
	c.lost = false
	mirrors := cl.pool.mirrors
	if len(mirrors) == 0 {
		return
	}
	mirroring.Check(cl.e.log, cl.e.cfg.Load())
	now := time.Now()
	u := cl.sampler().Float64()
	for i, d := range mirrors {
		d.stats.total.Add(1)
		switch {
		case u >= d.getExposure():
			d.drop(mirroring.DropExposure)
		case d.down(now):
			d.drop(mirroring.DropUnavailable)
		case cl.queueFull(i, d):
			d.drop(mirroring.DropQueueFull) // known now: the transaction is not even copied
		default:
			c.want |= 1 << i
		}
	}
	if c.want == 0 {
		return
	}
	c.start = time.Time{} // set when the first request reaches the source
	// Charged to the process's budget from now until the last mirror releases it.
	if c.buf = bufpool.GetMetered(512, mirroring.Memory); c.buf == nil {
		cl.dropWanted(mirroring.DropMemory)
		c.want = 0
		return
	}
	c.compare = cl.e.cfg.Load().General.MirrorStats
}

// dropWanted counts the transaction as dropped for r by every mirror that drew it.
func (cl *client) dropWanted(r mirroring.DropReason) {
	for i, d := range cl.pool.mirrors {
		if cl.cap.want&(1<<i) != 0 {
			d.drop(r)
		}
	}
}

// queueFull reports whether the client's queue to mirror i is full and at
// its limit, so that a transaction starting now would be dropped anyway.
func (cl *client) queueFull(i int, d *mirrorDest) bool {
	if cl.cap.links == nil || cl.cap.links[i] == nil {
		return false
	}
	l := cl.cap.links[i]
	limit := int(d.queueLen.Load())
	return l.ring.Len() >= min(limit, l.ring.Cap()) && l.ring.Cap() >= limit
}

// captureRequest records the bytes just forwarded to the source as one timed request.
func (cl *client) captureRequest(req []byte) {
	c := &cl.cap
	if c.buf == nil || len(req) == 0 {
		return
	}
	limit := int(cl.pool.mirrors[0].maxTxn.Load())
	if c.buf.Len()+len(req)+mirror.RecordHeader > limit {
		c.tooBig = true
		c.buf.Release()
		c.buf = nil
		return
	}
	// Room for the record and for the rest of its last frame, which its header announces,
	// charged before anything is copied: a transaction that would take the process's
	// mirror queues past mirror_memory_limit is given up, and a large frame is copied once.
	reserve := len(req) + mirror.RecordHeader
	if owed := c.owedAfter(req); owed > 0 {
		reserve = min(reserve+owed, limit-c.buf.Len())
	}
	if !c.buf.TryGrow(reserve) {
		c.noMemory = true
		c.buf.Release()
		c.buf = nil
		return
	}
	now := time.Now()
	if c.start.IsZero() {
		c.start = now // offsets count from the first request's arrival at the source, after any wait for a server
	}
	c.sent(now)
	h := mirror.RecordHeaderFor(now.Sub(c.start), len(req))
	c.buf.Append(h[:]...)
	c.buf.Append(req...)
}

// owedAfter follows the recorded frames through req and returns how many bytes of the last
// one are still to come, or 0 once the frames cannot be followed.
func (c *capture) owedAfter(req []byte) int {
	for off := 0; off < len(req) && !c.lost; {
		p, err := c.frames.Next(req[off:])
		c.lost = err != nil || len(p.Bytes) == 0
		off += len(p.Bytes)
	}
	if c.lost {
		return 0
	}
	return c.frames.Remaining()
}

// endTx runs when the source is idle again: the recording goes to each mirror that drew it.
func (cl *client) endTx() {
	c := &cl.cap
	if !c.inTx {
		return
	}
	c.inTx = false
	sh := cl.pool.stats.shard(cl.loop.idx)
	took := time.Since(cl.txStart)
	sh.xacts.Add(1)
	sh.xactUS.Add(uint64(took.Microseconds()))
	cl.counts.Xacts++
	cl.counts.XactTime += took
	if s := cl.server; s != nil {
		s.counts.Xacts++
		s.counts.XactTime += took
	}
	if c.want == 0 {
		return
	}
	mirrors := cl.pool.mirrors
	buf := c.buf
	c.buf = nil
	t := txn{buf: buf, start: c.start, end: time.Now(), params: cl.paramsSnapshot()}
	c.attach(&t)
	var kind mirror.Kind
	if buf != nil && cl.pool.mirrorLevels {
		kind = mirror.Classify(t.requests())
	}
	// A failed transaction is replayed only when it is compared and only reads: one that
	// writes could leave on the mirror what the source rolled back.
	failed := c.failed && !(t.compared && mirror.ReadOnly(t.requests()))
	for i, d := range mirrors {
		if c.want&(1<<i) == 0 {
			continue
		}
		switch {
		case c.tooBig:
			d.drop(mirroring.DropTooLarge)
		case c.noMemory:
			d.drop(mirroring.DropMemory)
		case failed:
			d.drop(mirroring.DropSourceFailed)
		case !kind.Matches(d.level):
			d.drop(mirroring.DropLevel)
		default:
			buf.Retain()
			if !cl.pushMirror(i, d, t) {
				buf.Release()
				d.drop(mirroring.DropQueueFull)
			}
		}
	}
	if buf != nil {
		buf.Release()
	}
}

// paramsSnapshot returns the client's settings as an immutable list, copied
// only when they changed since the last transaction handed to mirrors.
func (cl *client) paramsSnapshot() session.Params {
	if cl.cap.snap == nil || cl.cap.snapGen != cl.paramsGen {
		cl.cap.snap = cl.params.Clone()
		cl.cap.snapGen = cl.paramsGen
	}
	return cl.cap.snap
}

// initialRing is the capacity a client's queue starts with; it doubles,
// up to the mirror's queue length, only when transactions pile up, so a
// long queue_length costs memory only for clients whose mirror lags.
const initialRing = 64

// mirrorLink returns the client's queue to mirror i, made at first use,
// with the mirror's current queue length as its limit.
func (cl *client) mirrorLink(i int, d *mirrorDest) *mirrorLink {
	c := &cl.cap
	if c.links == nil {
		c.links = make([]*mirrorLink, len(cl.pool.mirrors))
	}
	l := c.links[i]
	want := max(int(d.queueLen.Load()), 1)
	if l == nil {
		l = newMirrorLink(cl.e, d, min(want, initialRing), nil)
		c.links[i] = l
	}
	l.limit = want
	l.ring.SetLimit(min(want, l.ring.Cap()))
	return l
}

// pushMirror queues t for mirror i, growing the queue when it is full but
// below its limit. false: the queue is full (t was not queued).
func (cl *client) pushMirror(i int, d *mirrorDest, t txn) bool {
	l := cl.mirrorLink(i, d)
	if l.push(t) {
		return true
	}
	if l.ring.Cap() >= l.limit {
		return false
	}
	// A bigger queue whose goroutine starts once this one has drained, so
	// the order holds.
	bigger := newMirrorLink(cl.e, d, min(2*l.ring.Cap(), l.limit), l.exited)
	bigger.limit = l.limit
	l.ring.Close()
	cl.cap.links[i] = bigger
	return bigger.push(t)
}

// closeMirrors ends the client's queues: their goroutines drain and exit.
func (cl *client) closeMirrors() {
	c := &cl.cap
	if c.inTx {
		cl.dropWanted(mirroring.DropSourceFailed) // the client left mid-transaction
	}
	if c.buf != nil {
		c.buf.Release()
		c.buf = nil
	}
	for _, l := range c.links {
		if l != nil {
			l.ring.Close()
		}
	}
	c.links = nil
}
