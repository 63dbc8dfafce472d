#!/usr/bin/env bash
# Set up kostack in ./.venv.  --dev adds the lab extra, the test tools and the test
# support package (testkit/); --all also provisions the lab's real Neutron (its own
# venv in the user cache, $XDG_CACHE_HOME/kostack/neutron-29.0.0 or $KOSTACK_NEUTRON_VENV:
# ~340 MB, 1-2 minutes the first time), the test Octavia (test support, its own venv in
# the user cache too: kostack_testkit.octavia_venv) and installs the lab's system packages.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
PY="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$mode" = "--dev" ] || [ "$mode" = "--all" ]; then
  # kostack with the lab extra and the test tools, plus its unpublished test support
  # (testkit/: fixtures, fakes, builders, fault proxy, Neutron harness; never in the wheel).
  .venv/bin/python -m pip install --quiet -e '.[dev,lab,watch,guard]' -e ./testkit
else
  .venv/bin/python -m pip install --quiet -e '.[watch,guard]'
fi

if [ "$mode" = "--all" ]; then
  # The lab's real Neutron lives in its own venv (its pins must not touch ours), in the
  # user cache where `kostack lab` and the tests look for it; a no-op once it is there.
  .venv/bin/python -m kostack.lab.neutron provision >/dev/null
  # The real Octavia API for the LoadBalancer tests (test support: docs/dev/octavia-harness.md)
  # in a venv of its own in the user cache, $XDG_CACHE_HOME/kostack/octavia-19.0.0 or
  # $KOSTACK_OCTAVIA_VENV; a no-op once it is there.
  .venv/bin/python -m kostack_testkit.octavia_venv provision >/dev/null
  # The network lab needs nftables and iproute2 (root only; skipped otherwise).
  if [ "$(id -u)" = "0" ]; then
    need=()
    command -v nft >/dev/null 2>&1 || need+=(nftables)
    command -v ip >/dev/null 2>&1 || need+=(iproute2)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    # kubectl: the kubectl-plugin tests (tests/report) run `kubectl kostack ...`
    command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
    # prometheus ships promtool: the watch tests run a real Prometheus and promtool (~10 s)
    { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || need+=(prometheus)
    if [ "${#need[@]}" -gt 0 ]; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
  fi
fi
