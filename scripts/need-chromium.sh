#!/usr/bin/env bash
# need-chromium.sh: make sure Chromium (the headless browser of the web report's tests) is here; install Debian's chromium package when missing.
set -euo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
have() { [ -x "$CHROMIUM" ]; }
if have; then exit 0; fi
echo "Chromium not found at $CHROMIUM: installing Debian's chromium package with apt-get" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
if ! have; then
  echo "Chromium is still missing at $CHROMIUM; install Debian's chromium package (apt-get install chromium)" >&2
  exit 1
fi
