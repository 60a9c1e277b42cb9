#!/usr/bin/env bash
# Installs Debian's prometheus package (Prometheus 2.42 and promtool) for the tests that run a real Prometheus over a
# backfilled usage history (tests/Rebalancer.Testing.Prometheus). Best effort by design, like install-chromium.sh:
# without it those tests skip with a message, so this script never fails the build. It prints a note and exits 0.
# No service is started: the tests start their own Prometheus on a free loopback port and kill it when they end.
set -u

note() { echo "note: $*; the real-Prometheus tests will be skipped" >&2; }

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "prometheus: found $(command -v prometheus) ($(prometheus --version 2>&1 | head -n1))"
  exit 0
fi

. "$(dirname "$0")/apt-runner.sh"
apt_runner prometheus || exit 0

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# The package's postinst would start a service where a service manager runs; policy-rc.d forbids it (exit 101),
# so nothing listens on :9090 behind the tests' back.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${run[@]}" tee "$policy" >/dev/null && "${run[@]}" chmod +x "$policy" && created_policy=1
fi
if "${run[@]}" apt-get update -qq >"$log" 2>&1 \
  && "${run[@]}" apt-get install -y -qq --no-install-recommends prometheus >>"$log" 2>&1 \
  && command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "prometheus: installed $(command -v prometheus) ($(prometheus --version 2>&1 | head -n1))"
else
  tail -n 20 "$log" >&2
  note "apt-get could not install prometheus"
fi
if [ "$created_policy" -eq 1 ]; then
  "${run[@]}" rm -f "$policy"
fi
rm -f "$log"
exit 0
