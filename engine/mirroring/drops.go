// drops.go holds the reasons a transaction is not replayed on a mirror.

package mirroring

// DropReason says why a transaction was not replayed on a mirror.
type DropReason uint8

const (
	DropExposure     DropReason = iota // not drawn by exposure sampling
	DropQueueFull                      // the client's queue for this mirror was full
	DropTooLarge                       // larger than mirror_max_transaction_size
	DropUnavailable                    // the mirror was down or had no connection to give
	DropSourceFailed                   // the transaction failed on the source
	DropLevel                          // filtered out by the mirror's level (dml/ddl)
	DropMemory                         // the mirror queues of the process held mirror_memory_limit already
	NumDropReasons
)

// DropReasonNames are the reasons as SHOW MIRRORS and the metrics name them.
var DropReasonNames = [NumDropReasons]string{"exposure", "queue_full", "too_large", "mirror_unavailable", "source_failed", "level", "memory"}
