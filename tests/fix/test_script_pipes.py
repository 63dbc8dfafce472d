"""The fix script's checks must not race: under `set -o pipefail`, `printf ... | grep -q`
fails when grep stops at its match before printf has written everything (printf dies of
SIGPIPE, and the pipeline with it). bash writes a multi-line value one line per write, so the
second run of the seed's script once said a port "changed since planning (revision 2, planned
1)" although its pairs were there.

An `openstack` stand-in prints the match first and more than a pipe holds after it (64 KiB),
which makes the race certain instead of rare: every check must still see what is there.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from kostack.model.load import load_snapshot
from kostack.model.snapshot import Snapshot
from kostack.plan.build import build_plan
from kostack.plan.model import Method, PlanOptions
from kostack.report.fixplan import render_script
from kostack_testkit.builders import build, seed_doc

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILLER = 20_000  # lines of '  "x": 0,' (180 KB) after the match: more than a pipe holds

# `openstack` as the script calls it, answering that everything is already in place, with the
# match first; the revision after the filler differs from any planned one.
STAND_IN = r"""#!/usr/bin/env bash
filler() { for ((i = 0; i < FILLER; i++)); do printf '  "x": 0,\n'; done; }
case "$1 $2" in
  "port show")
    echo '{'
    if [ "$MODE" = off ]; then
      echo '  "port_security_enabled": false,'
      echo '  "security_group_ids": [],'
    else
      echo '  "allowed_address_pairs": ['
      for cidr in $CIDRS; do echo "    {\"ip_address\": \"$cidr\", \"mac_address\": \"fa:16:3e:00:00:01\"},"; done
      echo '  ],'
    fi
    filler
    echo '  "revision_number": 999'
    echo '}' ;;
  "security group")
    echo 'ConflictException: 409: Security group rule already exists. Rule id is x.'
    filler
    exit 1 ;;
  "router show")
    printf '{"routes": [%s' "$ROUTES"
    filler | tr -d '\n'
    echo ']}' ;;
  *) echo "unexpected: $*" >&2; exit 99 ;;
esac
"""


def _script_run(tmp_path: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    stand_in = bindir / "openstack"
    stand_in.write_text(STAND_IN)
    stand_in.chmod(0o755)
    path = tmp_path / "fix.sh"
    path.write_text(script)
    full = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "FILLER": str(FILLER), **env}
    return subprocess.run(
        ["bash", str(path)], env=full, capture_output=True, text=True, timeout=300
    )


def _snapshot(name: str) -> Snapshot:
    return load_snapshot(EXAMPLES / f"{name}.json")


def _seed_without_router_routes() -> Snapshot:
    doc = seed_doc()
    doc["openstack"]["routers"][0]["routes"] = []
    return build(doc)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_pairs_rules_and_routes_already_there_are_seen_whatever_the_output_size(
    tmp_path: Path, lang: str
) -> None:
    plans = [
        build_plan(_snapshot("kube-router-no-pairs-no-bgp")),
        build_plan(_seed_without_router_routes()),
    ]
    kinds = {str(a.operation) for plan in plans for a in plan.automatic}
    assert kinds == {"add-allowed-pairs", "add-sg-rule", "add-router-routes"}, kinds
    for plan in plans:
        cidrs = sorted({p.ip_address for a in plan.automatic for p in a.pairs})
        routes = [
            f'{{"destination": "{r.destination}", "nexthop": "{r.nexthop}"}}, '
            for a in plan.automatic
            for r in a.routes
        ]
        script = render_script(plan, "test", lang=lang)
        run = _script_run(tmp_path, script, CIDRS=" ".join(cidrs), ROUTES="".join(routes))
        assert run.returncode == 0, run.stderr[-2000:]
        ok = "그대로   " if lang == "ko" else "ok       "
        assert run.stdout.count(ok) == len(plan.automatic), run.stdout


def test_a_port_already_without_port_security_is_seen_whatever_the_output_size(
    tmp_path: Path,
) -> None:
    plan = build_plan(_snapshot("seed-incident"), PlanOptions(method=Method.DISABLE_PORT_SECURITY))
    ports = [a for a in plan.automatic if a.target.kind == "port"]
    assert ports
    run = _script_run(tmp_path, render_script(plan, "test"), MODE="off")
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.count("port security already off") == len(ports), run.stdout
