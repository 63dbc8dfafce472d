#!/usr/bin/env bash
# Set up kostack in ./.venv.  --dev adds the network lab (lab/: the kostack-lab
# distribution, `kostack lab`), the test tools and the test support package (testkit/);
# --all also provisions the lab's real Neutron (its own
# venv in the user cache, $XDG_CACHE_HOME/kostack/neutron-29.0.0 or $KOSTACK_NEUTRON_VENV:
# ~340 MB, 1-2 minutes the first time), the test Octavia (test support, its own venv in
# the user cache too: kostack_testkit.octavia_venv) and installs the lab's system packages.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
PY="${PYTHON:-python3}"

# kostack needs Python 3.11 or later (pyproject.toml requires-python): say so before pip does.
# The interpreter that matters is the venv's when there is one (e.g. made by uv), else $PY.
check="$PY"
[ -x .venv/bin/python ] && check=.venv/bin/python
if ! command -v "$check" >/dev/null 2>&1; then
  echo "error: $check not found; kostack needs Python 3.11 or later" >&2
  echo "hint: install Python 3.11 or newer, then: PYTHON=python3.11 bash scripts/setup.sh" >&2
  exit 2
fi
if ! "$check" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  found="$("$check" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo unknown)"
  echo "error: kostack needs Python 3.11 or later; $check is $found" >&2
  echo "hint: with a newer interpreter installed: PYTHON=python3.12 bash scripts/setup.sh" >&2
  echo "hint: or let uv fetch one: uv venv --seed --python 3.12 .venv && bash scripts/setup.sh" >&2
  [ "$check" = .venv/bin/python ] && echo "hint: remove the old .venv first (rm -rf .venv)" >&2
  exit 2
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$mode" = "--dev" ] || [ "$mode" = "--all" ]; then
  # kostack with the test tools, the network lab (lab/, kostack-lab: its own distribution)
  # and the unpublished test support (testkit/: fixtures, fakes, builders, fault proxy,
  # Neutron harness); neither is in kostack's wheel.
  .venv/bin/python -m pip install --quiet -e '.[dev,watch,guard]' -e ./lab -e ./testkit
else
  .venv/bin/python -m pip install --quiet -e '.[watch,guard]'
fi

if [ "$mode" = "--all" ]; then
  # The lab's real Neutron lives in its own venv (its pins must not touch ours), in the
  # user cache where `kostack lab` and the tests look for it; a no-op once it is there.
  .venv/bin/python -m kostack_lab.neutron provision >/dev/null
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
    # a CJK font: the Korean report's screenshot test proves Hangul renders (not as tofu)
    [ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK-* >/dev/null 2>&1 || need+=(fonts-noto-cjk)
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
