// Message type bytes, authentication codes and transaction status bytes.

package codec

// Frontend (client to server) message types. The same letter can mean a
// different message from the backend, hence separate names per direction.
const (
	MsgBind         byte = 'B'
	MsgClose        byte = 'C'
	MsgCopyData     byte = 'd' // both directions
	MsgCopyDone     byte = 'c' // both directions
	MsgCopyFail     byte = 'f'
	MsgDescribe     byte = 'D'
	MsgExecute      byte = 'E'
	MsgFlush        byte = 'H'
	MsgFunctionCall byte = 'F'
	MsgParse        byte = 'P'
	MsgPassword     byte = 'p' // also SASLInitialResponse, SASLResponse, GSSResponse
	MsgQuery        byte = 'Q'
	MsgSync         byte = 'S'
	MsgTerminate    byte = 'X'
)

// Backend (server to client) message types.
const (
	MsgAuthentication           byte = 'R'
	MsgBackendKeyData           byte = 'K'
	MsgBindComplete             byte = '2'
	MsgCloseComplete            byte = '3'
	MsgCommandComplete          byte = 'C'
	MsgCopyInResponse           byte = 'G'
	MsgCopyOutResponse          byte = 'H'
	MsgCopyBothResponse         byte = 'W'
	MsgDataRow                  byte = 'D'
	MsgEmptyQueryResponse       byte = 'I'
	MsgErrorResponse            byte = 'E'
	MsgFunctionCallResponse     byte = 'V'
	MsgNegotiateProtocolVersion byte = 'v'
	MsgNoData                   byte = 'n'
	MsgNoticeResponse           byte = 'N'
	MsgNotificationResponse     byte = 'A'
	MsgParameterDescription     byte = 't'
	MsgParameterStatus          byte = 'S'
	MsgParseComplete            byte = '1'
	MsgPortalSuspended          byte = 's'
	MsgReadyForQuery            byte = 'Z'
	MsgRowDescription           byte = 'T'
)

// Authentication request codes (the int32 after an 'R' header).
const (
	AuthOK                = 0
	AuthCleartextPassword = 3
	AuthMD5Password       = 5
	AuthGSS               = 7
	AuthGSSContinue       = 8
	AuthSSPI              = 9
	AuthSASL              = 10
	AuthSASLContinue      = 11
	AuthSASLFinal         = 12
)

// Transaction status bytes carried by ReadyForQuery.
const (
	TxIdle    byte = 'I' // not in a transaction block
	TxInBlock byte = 'T' // in a transaction block
	TxFailed  byte = 'E' // in a failed transaction block
)
