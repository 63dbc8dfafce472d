"""Serve the real Octavia v2 API (octavia 19) on loopback: sqlite, no Keystone, no broker.

TEST SUPPORT, never shipped. A standalone script, run by path with the
interpreter of the test Octavia venv (octavia_venv.py) by
`octavia_harness.OctaviaHarness`; it imports nothing from kostack. Facts and
measurements: docs/dev/octavia-harness.md.

1. Writes octavia.conf into the state dir: noauth, sqlite, the in-memory
   ``fake:/`` messaging transport, the noop compute/amphora/cert drivers and,
   with ``--neutron URL``, the allowed-address-pairs network driver pointed at
   the real Neutron harness (VIP ports are then real Neutron ports).
2. Builds the schema once into ``template.sqlite`` (create_all from the models:
   Octavia's alembic migrations cannot ALTER constraints on sqlite; the lookup
   rows and the NIL_UUID placeholder flavor/availability-zone rows the
   migrations would insert are added), then copies it to ``octavia.sqlite``.
3. Loads ``octavia.api.app.setup_app()`` and serves it single-threaded with
   wsgiref on 127.0.0.1 (port 0 picks a free one), then prints
   ``ready http://127.0.0.1:PORT/ pid=PID`` once a DB-backed GET answers.

No provider reports status here, so a status simulator reports instead,
through Octavia's own ``DriverUpdater.update_loadbalancer_status`` (the path
a real provider's driver-agent takes). The ``/_sim/`` side channel (settle,
status, hold, backdate, reset; the table is in docs/dev/octavia-harness.md)
exists only here, never on a cloud. The ``ovn`` provider is a stand-in
(ovn_provider_sim.py, copied into the state dir and registered there through
an entry point): it enforces ovn-octavia-provider's option rules and creates
its VIP and health-monitor ports in Neutron the way that provider names them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

# Run by path, Python puts this file's directory first on sys.path; nothing of
# the test support there may shadow a package Octavia imports.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]


def _sibling(name: str) -> Any:
    """A module next to this file, loaded by path (this directory is not on sys.path)."""
    spec = importlib.util.spec_from_file_location(f"_kostack_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from kostack_testkit.octavia_sim import Simulator
else:
    Simulator = _sibling("octavia_sim").Simulator

OVN_MODULE = "ovn_provider_sim"
DB_FILE = "octavia.sqlite"
TEMPLATE_FILE = "template.sqlite"
SIM_PREFIX = "/_sim/"
DEFAULT_PROJECT = "fake_project_id"  # the project the Neutron harness serves under noauth

# (octavia.common.constants name, octavia.db.models class) of every lookup table.
LOOKUP_TABLES = (
    ("SUPPORTED_PROVISIONING_STATUSES", "ProvisioningStatus"),
    ("SUPPORTED_OPERATING_STATUSES", "OperatingStatus"),
    ("SUPPORTED_HEALTH_MONITOR_TYPES", "HealthMonitorType"),
    ("SUPPORTED_LB_ALGORITHMS", "Algorithm"),
    ("SUPPORTED_PROTOCOLS", "Protocol"),
    ("SUPPORTED_SP_TYPES", "SessionPersistenceType"),
    ("SUPPORTED_AMPHORA_ROLES", "AmphoraRoles"),
    ("SUPPORTED_LB_TOPOLOGIES", "LBTopology"),
    ("SUPPORTED_VRRP_AUTH", "VRRPAuthMethod"),
    ("SUPPORTED_L7RULE_TYPES", "L7RuleType"),
    ("SUPPORTED_L7RULE_COMPARE_TYPES", "L7RuleCompareType"),
    ("SUPPORTED_L7POLICY_ACTIONS", "L7PolicyAction"),
    ("SUPPORTED_CLIENT_AUTH_MODES", "ClientAuthenticationMode"),
)


# --------------------------------------------------------------------------- config


def write_config(state_dir: Path, neutron: str | None, default_provider: str) -> Path:
    db = state_dir / DB_FILE
    network_driver = "allowed_address_pairs_driver" if neutron else "network_noop_driver"
    providers = ",".join(
        (
            "amphora:The Octavia Amphora driver.",
            "ovn:kostack test stand-in for the OVN provider.",
            "noop_driver:The No-Op driver.",
        )
    )
    text = f"""[DEFAULT]
transport_url = fake:/
debug = false
use_stderr = true

[api_settings]
bind_host = 127.0.0.1
auth_strategy = noauth
enabled_provider_drivers = {providers}
default_provider_driver = {default_provider}

[database]
connection = sqlite:///{db}
# Empty for a sqlite file: the default 10 makes every DB call answer 500
# "Invalid argument(s) 'pool_timeout' sent to create_engine()".
pool_timeout =

[controller_worker]
amphora_driver = amphora_noop_driver
compute_driver = compute_noop_driver
network_driver = {network_driver}
volume_driver = volume_noop_driver
image_driver = image_noop_driver

[certificates]
cert_manager = noop_cert_manager

[oslo_messaging_notifications]
driver = noop
"""
    if neutron:
        text += f"""
[neutron]
auth_type = none
endpoint = {neutron}
endpoint_override = {neutron}
"""
    path = state_dir / "octavia.conf"
    path.write_text(text)
    return path


def write_ovn_entry_point(state_dir: Path) -> Path:
    """The ``ovn`` stand-in as a module and a distribution whose entry point names it.

    Octavia loads providers by name through stevedore, i.e. from entry points
    of group ``octavia.api.drivers``; importlib.metadata finds ``*.dist-info``
    directories in every sys.path entry, so this directory goes on sys.path
    (with a copy of the stand-in's module and nothing else).
    """
    root = state_dir / "providers"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / f"{OVN_MODULE}.py", root / f"{OVN_MODULE}.py")
    info = root / "kostack_test_ovn_provider-0.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: kostack-test-ovn-provider\nVersion: 0.0\n"
    )
    (info / "entry_points.txt").write_text(
        f"[octavia.api.drivers]\novn = {OVN_MODULE}:OvnSimProviderDriver\n"
    )
    return root


# --------------------------------------------------------------------------- the schema template


def build_template(path: Path) -> None:
    """The empty Octavia database, from the models (see the module docstring)."""
    import sqlalchemy as sa
    from octavia.common import constants
    from octavia.db import base_models, models
    from sqlalchemy import orm

    engine = sa.create_engine(f"sqlite:///{path}")
    base_models.BASE.metadata.create_all(engine)
    with orm.Session(engine) as session, session.begin():
        for constant, model in LOOKUP_TABLES:
            for name in getattr(constants, constant):
                session.add(getattr(models, model)(name=name))
        nil = constants.NIL_UUID
        session.add(
            models.FlavorProfile(
                id=nil,
                name="DELETED-PLACEHOLDER",
                provider_name=constants.DELETED,
                flavor_data="{}",
            )
        )
        session.add(
            models.AvailabilityZoneProfile(
                id=nil,
                name="DELETED-PLACEHOLDER",
                provider_name=constants.DELETED,
                availability_zone_data="{}",
            )
        )
        session.flush()
        session.add(
            models.Flavor(
                id=nil,
                flavor_profile_id=nil,
                name="DELETED-PLACEHOLDER",
                enabled=False,
                description="Placeholder for DELETED LBs with DELETED flavors",
            )
        )
        session.add(
            models.AvailabilityZone(
                availability_zone_profile_id=nil,
                name=nil,
                enabled=False,
                description="Placeholder for DELETED LBs with DELETED availability zones",
            )
        )
    engine.dispose()


# --------------------------------------------------------------------------- WSGI


def _json(start_response: Any, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def make_app(octavia_app: Any, sim: Simulator, project: str) -> Any:
    def application(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith(SIM_PREFIX):
            return _sim(environ, start_response, path[len(SIM_PREFIX) :], method)
        # noauth has no token to take the project from; Octavia then answers
        # every create with 400 "Missing project ID". Default it like the
        # Neutron harness does (every caller is admin in fake_project_id).
        if project and not (environ.get("HTTP_X_PROJECT_ID") or environ.get("HTTP_X_TENANT_ID")):
            environ["HTTP_X_PROJECT_ID"] = project
        seen: list[str] = []

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen.append(status)
            return start_response(status, headers, exc_info)

        result = octavia_app(environ, recording_start_response)
        # The API has committed by the time it answers: the provider's work may start.
        if (
            method in ("POST", "PUT", "DELETE")
            and path.startswith("/v2")
            and seen
            and seen[0][:1] == "2"
        ):
            sim.request_settle()
        return result

    def _sim(environ: dict[str, Any], start_response: Any, action: str, method: str) -> Any:
        if method == "GET" and action == "status":
            return _json(
                start_response,
                "200 OK",
                {"pid": os.getpid(), "hold": sorted(sim.hold_ids | sim.hold_names)},
            )
        if method != "POST":
            return _json(start_response, "405 Method Not Allowed", {"error": method})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except ValueError as exc:
            return _json(start_response, "400 Bad Request", {"error": str(exc)})
        try:
            if action == "settle":
                answer = sim.settle()
            elif action == "status":
                answer = sim.apply(body)
            elif action == "hold":
                answer = sim.hold(list(body.get("ids", [])), list(body.get("names", [])))
            elif action == "backdate":
                answer = sim.backdate(list(body.get("ids", [])), float(body.get("seconds", 0)))
            elif action == "reset":
                answer = sim.reset()
            else:
                return _json(start_response, "404 Not Found", {"error": action})
        except Exception as exc:  # the harness shows the server's own error
            return _json(start_response, "500 Internal Server Error", {"error": repr(exc)})
        return _json(start_response, "200 OK", answer)

    return application


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write("REQ " + (format % args) + "\n")


def load_octavia(config: Path) -> Any:
    """Octavia's WSGI app with our config (and the keystone-less [neutron] fix)."""
    from keystoneauth1 import loading as ks_loading
    from octavia.api import app as api_app
    from octavia.common import config as octavia_config
    from oslo_config import cfg

    # [neutron] auth_type = none clashes with Octavia's own deprecated
    # [neutron]/endpoint option: HTTP 500 "duplicate option: endpoint" on the
    # first Neutron call. Use the auth plugin's option of the same name instead.
    for opt in octavia_config.neutron_opts:
        if opt.name == "endpoint":
            cfg.CONF.unregister_opt(opt, group="neutron")
    cfg.CONF.register_opts(
        [o for o in ks_loading.get_auth_plugin_conf_options("none") if o.name == "endpoint"],
        group="neutron",
    )
    return api_app.setup_app(argv=[sys.argv[0], "--config-file", str(config)])


def wait_until_answering(url: str, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise SystemExit(f"error: octavia did not answer {url} within {deadline_s}s: {last}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--neutron", default="", help="Neutron root URL (empty: noop network)")
    parser.add_argument("--default-provider", default="amphora")
    parser.add_argument("--settle-delay", default="0", help="seconds, or 'off'")
    parser.add_argument("--project", default=DEFAULT_PROJECT)
    parser.add_argument("--parent-pid", type=int, default=0)
    args = parser.parse_args(argv)

    state_dir: Path = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    db, template = state_dir / DB_FILE, state_dir / TEMPLATE_FILE
    config = write_config(state_dir, args.neutron or None, args.default_provider)
    sys.path.insert(0, str(write_ovn_entry_point(state_dir)))
    if not template.exists():
        partial = template.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build_template(partial)
        partial.rename(template)
    shutil.copyfile(template, db)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    octavia_app = load_octavia(config)
    delay = None if args.settle_delay == "off" else float(args.settle_delay)
    sim = Simulator(db, template, delay)
    server = make_server(
        "127.0.0.1", args.port, make_app(octavia_app, sim, args.project), handler_class=QuietHandler
    )
    url = f"http://127.0.0.1:{server.server_port}/"
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="wsgi", daemon=True
    ).start()
    try:
        # Readiness needs a DB-backed answer: `/` answers even when every DB call fails.
        wait_until_answering(url + "v2/lbaas/loadbalancers", deadline_s=90)
        print(f"ready {url} pid={os.getpid()}", flush=True)
        while not stop.wait(timeout=0.2):
            if args.parent_pid and os.getppid() != args.parent_pid:
                break  # the harness died without stopping us
    finally:
        server.shutdown()
        server.server_close()
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
