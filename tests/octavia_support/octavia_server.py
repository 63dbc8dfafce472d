"""Serve the real Octavia v2 API (octavia 19) on loopback: sqlite, no Keystone, no broker.

TEST SUPPORT, never shipped. A standalone script, run by path with the
interpreter of the venv that holds octavia (scripts/setup.sh --all installs it
into the Neutron harness venv). It imports nothing from kostack. Facts and
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

No provider reports status here (the amphora provider casts to a controller
worker that does not run), so every object would stay PENDING_* forever. The
status simulator reports instead, through Octavia's own
``DriverUpdater.update_loadbalancer_status`` (the path a real provider's
driver-agent takes): PENDING_CREATE/UPDATE -> ACTIVE with the operating status
a healthy cloud shows, PENDING_DELETE -> DELETED (a cascade-deleted LB's
children too). ``--settle-delay off`` settles only on ``POST /_sim/settle``.

The ``/_sim/`` side channel exists only here (never on a cloud):
  POST /_sim/settle               settle every pending object now
  POST /_sim/status   {octavia-lib status dict}  report statuses as a provider would
  POST /_sim/hold     {"ids": [...], "names": [...]}  never settle these LBs (and
                      their children); {} clears
  POST /_sim/backdate {"ids": [lb ids], "seconds": N}  move created_at/updated_at of
                      these LBs and their children N seconds into the past
  POST /_sim/reset    every table back to the template (an empty Octavia), hold cleared
  GET  /_sim/status   {"pid": ..., "hold": [...]}

The ``ovn`` provider is a stand-in (ovn_provider_sim.py, next to this file),
registered through an entry point written into the state dir: it enforces
ovn-octavia-provider's option rules and creates its VIP and health-monitor
ports in Neutron the way that provider names them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import shutil
import signal
import sqlite3
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

HERE = Path(__file__).resolve().parent
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
    """A distribution (dist-info only) whose entry point names the ``ovn`` stand-in.

    Octavia loads providers by name through stevedore, i.e. from entry points
    of group ``octavia.api.drivers``; importlib.metadata finds ``*.dist-info``
    directories in every sys.path entry, so this directory goes on sys.path.
    """
    root = state_dir / "providers"
    info = root / "kostack_test_ovn_provider-0.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: kostack-test-ovn-provider\nVersion: 0.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[octavia.api.drivers]\novn = ovn_provider_sim:OvnSimProviderDriver\n"
    )
    return root


# --------------------------------------------------------------------------- schema


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


def restore_template(db: Path, template: Path) -> float:
    """Every table of ``db`` back to ``template``, in one transaction (~ms)."""
    started = time.monotonic()
    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("ATTACH DATABASE ? AS tpl", (str(template),))
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM tpl.sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
        conn.execute("BEGIN IMMEDIATE")
        for table in tables:
            conn.execute(f'DELETE FROM main."{table}"')
            conn.execute(f'INSERT INTO main."{table}" SELECT * FROM tpl."{table}"')
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE tpl")
    finally:
        conn.close()
    return time.monotonic() - started


# --------------------------------------------------------------------------- the simulator


class Simulator:
    """Reports provider status through Octavia's driver-updater (see the module docstring)."""

    def __init__(self, db: Path, template: Path, delay: float | None) -> None:
        from octavia.api.drivers.driver_agent import driver_updater
        from octavia.common import constants as c
        from octavia.db import api as db_api
        from octavia.db import models as m

        self.db, self.template, self.delay = db, template, delay
        self._updater = driver_updater
        self._c, self._db_api, self._m = c, db_api, m
        self.pending = (c.PENDING_CREATE, c.PENDING_UPDATE, c.PENDING_DELETE)
        self.kinds = (
            ("loadbalancers", m.LoadBalancer),
            ("listeners", m.Listener),
            ("pools", m.Pool),
            ("healthmonitors", m.HealthMonitor),
            ("members", m.Member),
            ("l7policies", m.L7Policy),
            ("l7rules", m.L7Rule),
        )
        self.hold_ids: set[str] = set()
        self.hold_names: set[str] = set()
        self.lock = threading.Lock()  # one status writer at a time
        self._jobs: queue.Queue[float] = queue.Queue()
        if delay is not None:
            threading.Thread(target=self._settler, name="settler", daemon=True).start()

    # -- status -----------------------------------------------------------------

    def apply(self, status: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            result: dict[str, Any] = self._updater.DriverUpdater().update_loadbalancer_status(
                status
            )
            return result

    def settle(self) -> dict[str, Any]:
        status = self._pending()
        if not status:
            return {"status_code": "OK", "applied": {}}
        applied = json.loads(json.dumps(status))  # the updater pops keys from its argument
        result = self.apply(status)
        result["applied"] = applied
        return result

    def request_settle(self) -> None:
        if self.delay is not None:
            self._jobs.put(time.time() + self.delay)

    def _settler(self) -> None:
        while True:
            due = self._jobs.get()
            while True:  # coalesce a burst of requests into one pass
                time.sleep(max(0.0, due - time.time()))
                try:
                    due = self._jobs.get_nowait()
                except queue.Empty:
                    break
            try:
                self.settle()
            except Exception as exc:  # keep the thread alive; the log says why
                sys.stderr.write(f"SIM settle failed: {exc!r}\n")

    def _lb_of(self, key: str, obj: Any) -> Any:
        if key == "loadbalancers":
            return obj
        if key in ("listeners", "pools"):
            return obj.load_balancer
        if key in ("members", "healthmonitors"):
            return obj.pool.load_balancer if obj.pool is not None else None
        if key == "l7policies":
            return obj.listener.load_balancer
        return obj.l7policy.listener.load_balancer

    def _held(self, key: str, obj: Any) -> bool:
        if obj.id in self.hold_ids:
            return True
        lb = self._lb_of(key, obj)
        return lb is not None and (lb.id in self.hold_ids or lb.name in self.hold_names)

    def _online(self, key: str, obj: Any) -> str:
        """The operating status a freshly provisioned, healthy object reports."""
        c = self._c
        if not obj.enabled:
            return str(c.OFFLINE)
        if key == "members":
            monitor = obj.pool.health_monitor
            live = monitor is not None and monitor.provisioning_status not in (
                c.PENDING_DELETE,
                c.DELETED,
            )
            return str(c.ONLINE if live else c.NO_MONITOR)
        return str(c.ONLINE)

    def _pending(self) -> dict[str, list[dict[str, Any]]]:
        """An octavia-lib status dict that finishes every PENDING_* object not held.

        PENDING_UPDATE keeps the operating status (a simulated ERROR survives an
        unrelated update) unless the admin state flipped. A monitor being
        created turns its pool's NO_MONITOR members ONLINE; deleted, back.
        """
        c = self._c
        status: dict[str, dict[str, dict[str, Any]]] = {key: {} for key, _ in self.kinds}
        session = self._db_api.get_session()
        with session.begin():
            for key, model in self.kinds:
                rows = session.query(model).filter(model.provisioning_status.in_(self.pending))
                for obj in rows:
                    done = status[key].get(obj.id, {}).get("provisioning_status") == c.DELETED
                    if done or self._held(key, obj):
                        continue
                    record: dict[str, Any] = {"id": obj.id}
                    if obj.provisioning_status == c.PENDING_DELETE:
                        record["provisioning_status"] = c.DELETED
                        if key == "loadbalancers":
                            self._cascade(status, obj)
                    else:
                        record["provisioning_status"] = c.ACTIVE
                        online = self._online(key, obj)
                        if (
                            obj.provisioning_status == c.PENDING_CREATE
                            or online == c.OFFLINE
                            or obj.operating_status == c.OFFLINE
                        ):
                            record["operating_status"] = online
                    status[key][obj.id] = record
                    if key == "healthmonitors" and obj.provisioning_status in (
                        c.PENDING_CREATE,
                        c.PENDING_DELETE,
                    ):
                        self._monitor_members(status, obj)
        return {key: list(items.values()) for key, items in status.items() if items}

    def _monitor_members(self, status: dict[str, dict[str, dict[str, Any]]], monitor: Any) -> None:
        c = self._c
        want = c.ONLINE if monitor.provisioning_status == c.PENDING_CREATE else c.NO_MONITOR
        for member in monitor.pool.members:
            if not member.enabled or member.provisioning_status in (c.PENDING_DELETE, c.DELETED):
                continue
            if want == c.ONLINE and member.operating_status != c.NO_MONITOR:
                continue
            status["members"].setdefault(member.id, {"id": member.id})["operating_status"] = want

    def _cascade(self, status: dict[str, dict[str, dict[str, Any]]], lb: Any) -> None:
        """A cascade delete marks only the LB; a provider reports every child DELETED."""

        def gone(key: str, obj: Any) -> None:
            status[key][obj.id] = {"id": obj.id, "provisioning_status": self._c.DELETED}

        for listener in lb.listeners:
            for policy in listener.l7policies:
                for rule in policy.l7rules:
                    gone("l7rules", rule)
                gone("l7policies", policy)
            gone("listeners", listener)
        for pool in lb.pools:
            for member in pool.members:
                gone("members", member)
            if pool.health_monitor is not None:
                gone("healthmonitors", pool.health_monitor)
            gone("pools", pool)

    # -- test-only controls ----------------------------------------------------------

    def hold(self, ids: list[str], names: list[str]) -> dict[str, Any]:
        with self.lock:
            self.hold_ids = set(ids)
            self.hold_names = set(names)
        return {"hold": sorted(self.hold_ids | self.hold_names)}

    def backdate(self, ids: list[str], seconds: float) -> dict[str, Any]:
        """Move the timestamps of LBs ``ids`` and everything under them into the past.

        Plain SQL: an ORM change would let the models' ``onupdate`` stamp
        updated_at with the current time.
        """
        from sqlalchemy import text

        shift = f"-{float(seconds)} seconds"
        marks = ", ".join(f":id{i}" for i in range(len(ids)))
        params: dict[str, Any] = {f"id{i}": v for i, v in enumerate(ids)}
        params["shift"] = shift

        def moved(column: str) -> str:
            return f"{column} = strftime('%Y-%m-%d %H:%M:%f', {column}, :shift)"

        pools = f"SELECT id FROM pool WHERE load_balancer_id IN ({marks})"
        targets = (
            ("load_balancer", f"id IN ({marks})"),
            ("listener", f"load_balancer_id IN ({marks})"),
            ("pool", f"load_balancer_id IN ({marks})"),
            ("member", f"pool_id IN ({pools})"),
            ("health_monitor", f"pool_id IN ({pools})"),
        )
        count = 0
        with self.lock:
            session = self._db_api.get_session()
            with session.begin():
                for table, where in targets:
                    result = session.execute(
                        text(
                            f"UPDATE {table} SET {moved('created_at')}, {moved('updated_at')} WHERE {where}"
                        ),
                        params,
                    )
                    count += int(result.rowcount or 0)
        return {"moved": count}

    def reset(self) -> dict[str, Any]:
        with self.lock:
            self.hold_ids.clear()
            self.hold_names.clear()
            seconds = restore_template(self.db, self.template)
        return {"seconds": round(seconds, 4)}


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
