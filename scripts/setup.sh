#!/usr/bin/env bash
# Set up kostack in ./.venv.  --dev adds the test tools; --all also installs the
# real Neutron harness venv (./.venv-neutron) and the lab's system packages.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
PY="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$mode" = "--dev" ] || [ "$mode" = "--all" ]; then
  .venv/bin/python -m pip install --quiet -e '.[dev,watch,guard]'
else
  .venv/bin/python -m pip install --quiet -e '.[watch,guard]'
fi

if [ "$mode" = "--all" ]; then
  # The real Neutron API server lives in its own venv: its pins must not touch ours.
  if [ ! -x .venv-neutron/bin/python ] || ! .venv-neutron/bin/python -c 'import neutron, openstackclient' 2>/dev/null; then
    "$PY" -m venv .venv-neutron
    .venv-neutron/bin/python -m pip install --quiet --upgrade pip
    .venv-neutron/bin/python -m pip install --quiet neutron==29.0.0 openstacksdk==4.22.0 python-openstackclient==10.5.0
  fi
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
