module github.com/pgdogd/pgdogd/codec/fingerprint/refgen

go 1.26.8

require github.com/pganalyze/pg_query_go/v6 v6.2.5

require google.golang.org/protobuf v1.33.0 // indirect
