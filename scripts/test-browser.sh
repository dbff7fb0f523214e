#!/usr/bin/env bash
# Make Debian's Chromium (and CJK fonts, so screenshots show Chinese) available to the
# browser tests; prints the browser's path. Installs the packages when missing (needs
# root and apt). Prints nothing and exits non-zero when it cannot; the browser tests
# then skip (or fail under CI=true).
set -euo pipefail
log() { echo "test-browser: $*" >&2; }

need=()
command -v chromium >/dev/null || need+=(chromium)
fc-list 2>/dev/null | grep -i "noto.*cjk" >/dev/null || need+=(fonts-noto-cjk)  # not -q: SIGPIPE + pipefail
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "missing ${need[*]} and cannot install here (needs root + apt)"
    command -v chromium >/dev/null || exit 1
  else
    log "installing ${need[*]}"
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  fi
fi
command -v chromium
