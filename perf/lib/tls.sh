# Client TLS for the -tls targets of perf/bench.sh: a throwaway self-signed certificate, the session a client gets.
# shellcheck shell=bash
#
# pgdogd-tls and pgbouncer-tls serve clients only over TLS (tls_client_required / client_tls_sslmode =
# require) with the same certificate; pgbench and psql connect to them with PGSSLMODE=require.

# TLS_CERT and TLS_KEY are the PEM files, set by tls_cert once made.
TLS_CERT="" TLS_KEY=""
# TLS_SESSION holds, per -tls instance, the protocol and cipher suite tls_session read from it.
declare -A TLS_SESSION=()

# tls_cert makes (once) a self-signed RSA 2048 certificate for 127.0.0.1 in $WORK/tls, key mode
# 0600, both owned by postgres when root (PgBouncer runs as postgres and reads them).
tls_cert() {
	local dir=$WORK/tls
	[[ -n $TLS_CERT ]] && return 0
	command -v openssl >/dev/null 2>&1 || die "openssl is required for the -tls targets"
	mkdir -p "$dir" && chmod 755 "$dir"
	(umask 077 && timeout 60 openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$dir/server.key" -out "$dir/server.crt") >"$dir/openssl.log" 2>&1 ||
		die "cannot make a TLS certificate: see $dir/openssl.log"
	chmod 600 "$dir/server.key"
	chmod 644 "$dir/server.crt"
	if [[ $EUID -eq 0 ]]; then
		chown postgres: "$dir/server.key" "$dir/server.crt"
	fi
	TLS_CERT=$dir/server.crt TLS_KEY=$dir/server.key
}

# is_tls_target tells whether target or instance $1 serves clients over TLS only.
is_tls_target() { [[ $1 == *-tls ]]; }

# client_env sets the array CLIENT_ENV to the libpq environment of a client of target $1:
# the bench password, plus PGSSLMODE=require for a -tls target.
client_env() {
	CLIENT_ENV=(PGPASSWORD=bench_pw)
	if is_tls_target "$1"; then
		CLIENT_ENV+=(PGSSLMODE=require)
	fi
}

# tls_session prints the protocol and cipher suite a client with OpenSSL's defaults (those of
# libpq) gets from 127.0.0.1:$1 after an SSLRequest, e.g. "TLSv1.3 TLS_AES_128_GCM_SHA256".
tls_session() {
	timeout 10 openssl s_client -connect "127.0.0.1:$1" -starttls postgres -brief </dev/null 2>&1 |
		awk -F': ' '/^Protocol version:/ { v = $2 } /^Ciphersuite:/ { c = $2 }
			END { if (v == "" || c == "") exit 1; print v " " c }'
}

# tls_check checks that instance $1 on port $2 refuses a plaintext login (PGSSLMODE=disable),
# so its numbers cannot come from plaintext connections, and sets TLS_SESSION[$1]. Returns 1
# with the reason in TLS_ERR when the check fails.
tls_check() {
	local inst=$1 port=$2
	TLS_ERR=""
	if PGPASSWORD=bench_pw PGSSLMODE=disable timeout 15 "$(pg_tool psql)" -X -Atc 'SELECT 1' \
		-h 127.0.0.1 -p "$port" -U bench bench >/dev/null 2>&1; then
		TLS_ERR="$inst accepted a plaintext login (PGSSLMODE=disable)"
		return 1
	fi
	TLS_SESSION[$inst]=$(tls_session "$port") || TLS_SESSION[$inst]="unknown"
}
