// SQLSTATE codes the proxy puts in the errors it sends.

package codec

// SQLSTATE codes (PostgreSQL Appendix A) used by the proxy.
const (
	CodeProtocolViolation     = "08P01"
	CodeInvalidPassword       = "28P01"
	CodeInvalidAuthSpec       = "28000"
	CodeInvalidCatalog        = "3D000"
	CodeConnectionFailure     = "08006"
	CodeCannotConnectNow      = "57P03"
	CodeAdminShutdown         = "57P01"
	CodeTooManyConnections    = "53300"
	CodeFeatureNotSupported   = "0A000"
	CodeSyntaxError           = "42601"
	CodeQueryCanceled         = "57014"
	CodeInvalidParameterValue = "22023"
	CodeUndefinedObject       = "42704"
	CodeInternalError         = "XX000"
	CodeIdleSessionTimeout    = "57P05"
	CodeIdleInTxTimeout       = "25P03"
)

// Severities for ErrorResponse and NoticeResponse (the non-localized V field).
const (
	SeverityError   = "ERROR"
	SeverityFatal   = "FATAL"
	SeverityPanic   = "PANIC"
	SeverityWarning = "WARNING"
	SeverityNotice  = "NOTICE"
	SeverityLog     = "LOG"
	SeverityInfo    = "INFO"
	SeverityDebug   = "DEBUG"
)
