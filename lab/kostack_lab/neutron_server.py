"""Serve the real Neutron API (neutron 29) on loopback with sqlite and no Keystone.

This is a standalone script, run by path with the Neutron venv's interpreter
(`<neutron venv>/bin/python .../kostack_lab/neutron_server.py --state-dir DIR`;
`own_neutron.start_own_neutron` does that for the lab; `neutron_venv.py` says where the venv is).
It imports nothing from kostack because kostack is not installed in that venv.
The main venv, where mypy runs, has neither neutron nor sqlalchemy, so those are
imported with importlib.import_module (typed as a plain module): this keeps the
file under `mypy --strict` with no per-module override.

What it does (recipe and pitfalls: docs/dev/neutron-harness.md):

1. writes neutron.conf, ml2_conf.ini and api-paste.ini into the state dir;
2. if the sqlite database does not exist yet, builds the schema from the
   models (`neutron-db-manage` cannot ALTER constraints on sqlite) and inserts
   the four security-group template rows of migration c33da356b165, which
   `create_all` skips; without them new groups would have no rules at all;
3. loads `neutron.wsgi.api:application` and serves it with a threaded stdlib
   WSGI server on 127.0.0.1 (port 0 picks a free port); connections are
   handled in parallel but Neutron runs one request at a time, because sqlite
   under parallel writers fails requests with "database is locked";
4. answers its own `GET /` and only then prints one line to stdout:
   `ready http://127.0.0.1:PORT/ pid=PID`;
5. on SIGTERM or SIGINT stops serving and exits with status 0; with
   `--parent-pid` it also exits when that process is gone (no orphans).

`main(extend=...)` lets a wrapper script add routes of its own in front of
Neutron's (the test harness adds a fast database reset that way); it is
given the serialised app, the lock that serialises Neutron and the state dir.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib
import importlib.util
import io
import os
import shutil
import signal
import socketserver
import sys
import sysconfig
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

# Run by path, Python puts this file's directory first on sys.path, and it holds
# kostack's own `neutron.py`, which would shadow the real `neutron` package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

DB_FILE = "neutron.sqlite"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
# extend(app, neutron_lock, state_dir) -> app: routes a wrapper adds in front of Neutron's.
Extension = Callable[[WsgiApp, threading.Lock, Path], WsgiApp]


def write_config(state_dir: Path) -> None:
    """Write the Neutron config files that make a self-contained API server."""
    paste_src = Path(sysconfig.get_path("data")) / "etc" / "neutron" / "api-paste.ini"
    if not paste_src.exists():
        raise SystemExit(f"error: api-paste.ini not found at {paste_src} (is neutron installed?)")
    shutil.copyfile(paste_src, state_dir / "api-paste.ini")
    (state_dir / "neutron.conf").write_text(
        f"""[DEFAULT]
core_plugin = ml2
service_plugins = router
auth_strategy = noauth
allow_overlapping_ips = true
transport_url = fake:/
rpc_workers = 0
rpc_state_report_workers = 0
api_workers = 1
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
state_path = {state_dir}
api_paste_config = {state_dir}/api-paste.ini
use_stderr = true
debug = false

[database]
connection = sqlite:///{state_dir}/{DB_FILE}
# A test database: losing the last commits on an OS crash is fine, fsync per commit is not.
sqlite_synchronous = false

[oslo_concurrency]
lock_path = {state_dir}

[agent]
report_interval = 0
"""
    )
    (state_dir / "ml2_conf.ini").write_text(
        """[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers =
extension_drivers = port_security

[ml2_type_flat]
flat_networks = *

[ml2_type_vxlan]
vni_ranges = 1:1000

[securitygroup]
enable_security_group = true
firewall_driver = noop
"""
    )


def create_schema(db_path: Path) -> None:
    """Build the schema from the models and add the default-rule templates."""
    sa = importlib.import_module("sqlalchemy")
    head = importlib.import_module("neutron.db.migration.models.head")

    tmp = db_path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{tmp}")
    try:
        head.get_metadata().create_all(engine)
        _insert_default_rule_templates(engine)
    finally:
        engine.dispose()
    # Renamed into place only when complete, so a crash never leaves half a schema.
    tmp.replace(db_path)


def _insert_default_rule_templates(engine: Any) -> None:
    """Insert the four rows migration c33da356b165 adds as data.

    The rows are read from the migration module itself so they stay what
    Neutron ships: egress IPv4/IPv6 for every group, and ingress IPv4/IPv6 from
    the group itself (remote_group_id 'PARENT') for the `default` group only.
    """
    sa = importlib.import_module("sqlalchemy")
    neutron_dir = Path(str(importlib.import_module("neutron").__file__)).parent
    migration = (
        neutron_dir
        / "db/migration/alembic_migrations/versions/2023.2/expand"
        / "c33da356b165_security_group_default_rules.py"
    )
    spec = importlib.util.spec_from_file_location("_sg_default_rules_migration", migration)
    if spec is None or spec.loader is None:
        raise SystemExit(f"error: cannot load {migration}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    meta = sa.MetaData()
    meta.reflect(engine, only=["standardattributes", "securitygroupdefaultrules"])
    standardattr = meta.tables["standardattributes"]
    templates = meta.tables["securitygroupdefaultrules"]
    with engine.begin() as conn:
        for template in copy.deepcopy(module.default_template_rules):
            description = template.pop("description")
            result = conn.execute(
                sa.insert(standardattr).values(
                    resource_type="securitygroupdefaultrules", description=description
                )
            )
            template["standard_attr_id"] = result.inserted_primary_key[0]
            conn.execute(sa.insert(templates).values(template))


def one_at_a_time(app: WsgiApp) -> tuple[WsgiApp, threading.Lock]:
    """Wrap the Neutron app so that Neutron runs one request at a time; returns it and its lock.

    Neutron on sqlite does not survive parallel writers: with 8 concurrent
    clients creating ports, almost every request failed with HTTP 500
    "database is locked" (oslo.db opens a deferred transaction per request and
    sqlite refuses the read-to-write upgrade). So requests are accepted and
    read in parallel, but Neutron itself runs them one by one.
    """
    neutron_lock = threading.Lock()

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # Read the body before taking the lock, so a slow client holds up nobody.
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length) if length else b"")
        with neutron_lock:
            # Materialise the response inside the lock: Neutron's iterables may
            # still touch the database.
            return list(app(environ, start_response))

    return application, neutron_lock


class ThreadedWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per connection (Neutron itself still runs one request at a time)."""

    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    """Log requests to stderr only when asked (Neutron logs each request itself)."""

    verbose = False

    def log_message(self, format: str, *args: Any) -> None:
        if self.verbose:
            super().log_message(format, *args)


def load_neutron_app(state_dir: Path) -> WsgiApp:
    """Import Neutron's WSGI entry point with our config files."""
    os.environ["OS_NEUTRON_CONFIG_DIR"] = str(state_dir)
    os.environ["OS_NEUTRON_CONFIG_FILES"] = "neutron.conf;ml2_conf.ini"
    # oslo.config parses sys.argv when the app boots; our own flags would upset it.
    saved_argv = sys.argv
    sys.argv = [saved_argv[0]]
    try:
        api = importlib.import_module("neutron.wsgi.api")
    finally:
        sys.argv = saved_argv
    if api.application is None:
        raise SystemExit("error: neutron.wsgi.api did not build an application")
    app: WsgiApp = api.application
    return app


def wait_until_answering(url: str, deadline_s: float) -> None:
    """Poll our own root URL until Neutron answers 200 (bounded)."""
    deadline = time.monotonic() + deadline_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last_error = exc
        time.sleep(0.02)
    raise SystemExit(f"error: neutron did not answer {url} within {deadline_s}s: {last_error}")


def parent_alive(parent_pid: int) -> bool:
    """Whether the process that started us still runs (we were not re-parented)."""
    return os.getppid() == parent_pid


def main(argv: list[str] | None = None, *, extend: Extension | None = None) -> int:
    """Serve Neutron until SIGTERM/SIGINT (or the parent is gone); `extend` adds routes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--single-threaded", action="store_true", help="serve one request at a time"
    )
    parser.add_argument("--access-log", action="store_true", help="log each request to stderr")
    parser.add_argument(
        "--parent-pid", type=int, default=0, help="exit when this process is gone (0: never)"
    )
    parser.add_argument(
        "--lab-tag", default="", help="the lab that owns this server (`kostack lab down` finds it)"
    )
    args = parser.parse_args(argv)

    state_dir: Path = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    db_path = state_dir / DB_FILE
    write_config(state_dir)
    if not db_path.exists():
        create_schema(db_path)

    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    app = load_neutron_app(state_dir)
    # Neutron's boot may install handlers of its own; ours decide how we stop.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if stop.is_set():
        return 0
    served, neutron_lock = one_at_a_time(app)
    if extend is not None:
        served = extend(served, neutron_lock, state_dir)

    QuietHandler.verbose = args.access_log
    server_class = WSGIServer if args.single_threaded else ThreadedWSGIServer
    server = make_server(
        args.host,
        args.port,
        served,
        server_class=server_class,
        handler_class=QuietHandler,
    )
    url = f"http://{args.host}:{server.server_port}/"
    # A short poll interval makes shutdown() on SIGTERM prompt.
    serving = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="wsgi", daemon=True
    )
    serving.start()
    try:
        wait_until_answering(url, deadline_s=60)
        print(f"ready {url} pid={os.getpid()}", flush=True)
        while not stop.wait(timeout=0.2):
            if args.parent_pid and not parent_alive(args.parent_pid):
                # The harness died without stopping us (e.g. pytest was killed).
                break
    finally:
        server.shutdown()
        server.server_close()
    # Our reader may be gone (the harness died): a broken pipe must not stop the exit.
    with contextlib.suppress(OSError):
        print("stopped", flush=True)
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    # Neutron may leave non-daemon helper threads behind; do not wait for them.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
