#!/usr/bin/env bash
# need-promtool.sh: make sure promtool (Prometheus's checker, used by the metrics tests) is here; install Debian's prometheus package when missing.
set -euo pipefail
have() { command -v promtool >/dev/null; }
if have; then exit 0; fi
echo "promtool not found: installing Debian's prometheus package with apt-get" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
if ! have; then
  echo "promtool is still missing; install Debian's prometheus package (apt-get install prometheus)" >&2
  exit 1
fi
