"""The lab's real Neutron: the server script, reaching it, and its venv and seed commands.

`SERVER_SCRIPT` is `neutron_server.py` (next to this file), run with the
interpreter of the Neutron venv (`neutron_venv.py`: the user cache, made by
`python -m kostack_lab.neutron provision`): real neutron 29 with ML2, sqlite
and no Keystone, on 127.0.0.1 (`kostack_lab.own_neutron` starts it for
`kostack lab up`). `openstack_connection` reaches it through openstacksdk;
`neutron_seed.seed_topology` puts the seed incident's cloud in.
Measured numbers and the Neutron behaviours worth knowing are in
docs/dev/neutron-harness.md.

    python -m kostack_lab.neutron provision   # make the venv (once, ~370 MB)
    python -m kostack_lab.neutron where       # print the venv's python, or exit 3
    python -m kostack_lab.neutron seed --endpoint URL [--nodes N]   # the seed cloud
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kostack_lab.errors import LabError, LabInputError, Msg
from kostack_lab.neutron_venv import (
    NeutronError,
    find_neutron_python,
    neutron_venv_dir,
    provision_neutron_venv,
)

__all__ = ["SERVER_SCRIPT", "NeutronError", "main", "openstack_connection", "seed_command"]

SERVER_SCRIPT = Path(__file__).with_name("neutron_server.py")


def openstack_connection(endpoint: str, *, timeout_s: float | None = None) -> Any:
    """An openstacksdk Connection to a noauth Neutron at `endpoint` (the root URL).

    No clouds.yaml and no OS_* variables are read. Every call is admin in
    project "fake_project_id" (noauth), so policy is not exercised.
    """
    import openstack  # imported here: it is slow to import and only the lab needs it

    return openstack.connection.Connection(
        auth_type="none", network_endpoint_override=endpoint, api_timeout=timeout_s
    )


def seed_command(endpoint: str, nodes: int) -> str:
    """The shell command that seeds the Neutron at `endpoint` for `nodes` nodes (quoted)."""
    return shlex.join(
        [
            "python",
            "-m",
            "kostack_lab.neutron",
            "seed",
            "--endpoint",
            endpoint,
            "--nodes",
            str(nodes),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`provision` makes the Neutron venv, `where` prints its python, `seed` creates the seed cloud."""
    parser = argparse.ArgumentParser(
        prog="python -m kostack_lab.neutron", description="The lab's real Neutron."
    )
    parser.add_argument("action", choices=("provision", "where", "seed"))
    parser.add_argument("--venv", type=Path, help="the venv directory (default: the user cache)")
    parser.add_argument(
        "--endpoint", help="seed: the Neutron root URL, e.g. http://127.0.0.1:9696/"
    )
    parser.add_argument("--nodes", type=int, default=4, help="seed: node ports (default 4)")
    args = parser.parse_args(argv)
    venv = args.venv if args.venv is not None else neutron_venv_dir()
    try:
        if args.action == "seed":
            return _seed(args.endpoint, args.nodes)
        if args.action == "provision":
            provision_neutron_venv(venv, log=lambda line: print(line, file=sys.stderr))
        print(find_neutron_python({"KOSTACK_NEUTRON_VENV": str(venv)}))
    except LabError as err:
        print(f"error: {err.message}\nhint: {err.hint}", file=sys.stderr)
        return int(err.exit_code)
    return 0


def _seed(endpoint: str | None, nodes: int) -> int:
    """Create the seed incident's cloud in the Neutron at `endpoint`; print the node ports."""
    from kostack_lab.neutron_seed import seed_topology  # imported late: it loads openstacksdk

    if not endpoint or not re.match(r"^https?://[^/\s]+", endpoint):
        raise LabInputError(
            Msg("lab.x.needs_endpoint", value=repr(endpoint)),
            Msg("lab.x.eg", example="http://127.0.0.1:9696/"),
        )
    try:
        ids = seed_topology(endpoint, nodes)
    except ValueError as exc:
        raise LabInputError(Msg("lab.x.bad_nodes", why=str(exc)), Msg("lab.x.node_count")) from exc
    except Exception as exc:  # any SDK/transport error: Neutron refused or is unreachable
        raise NeutronError(
            Msg("lab.x.seed", url=endpoint, why=f"{type(exc).__name__}: {exc}"),
            Msg("lab.x.seed_twice"),
        ) from exc
    for node in ids.nodes:
        print(f"{node.name}\t{node.ip_address}\t{node.port_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
