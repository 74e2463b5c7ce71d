// Package pool holds the decisions of pgdogd's pools that do not depend on
// sockets: where a released server goes (PickWaiter), which idle server a
// loop may take from another (Idle.PopStale), and the per-loop idle stacks
// those decisions read. See engine's doc.go for how pools are split across
// loops.
//
// The engine owns the pools' servers, clients, locks and timers, and calls
// these under the pool's mutex; nothing here blocks, allocates per call or
// keeps state of its own beyond the stacks it is given.
package pool
