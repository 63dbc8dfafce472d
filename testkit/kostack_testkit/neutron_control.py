"""The Neutron test harness's server: the lab's Neutron server plus a fast database reset.

A standalone script, run by path with the Neutron venv's interpreter (kostack
is not installed there), by `kostack_testkit.neutron_harness.NeutronHarness`:

    <neutron venv>/bin/python neutron_control.py --server-script PATH/neutron_server.py \
        --state-dir DIR [--port N] [--parent-pid PID]

It loads the product's `neutron_server.py` from `--server-script` and runs its
`main()` with an extension that answers a few private paths in front of
Neutron's API, under the same lock that serialises Neutron:

- `POST /__kostack__/reset` puts every table back to the baseline (the
  database right after boot, saved before the first request) in one sqlite
  transaction between two API requests (~20 ms, against seconds for deleting
  through the API or restarting the process);
- `POST /__kostack__/snapshot?name=N` saves the live database as snapshot N,
  `POST /__kostack__/reset?to=N` restores it the same way (a seeded cloud in
  ~20 ms instead of seeding again);
- `GET /__kostack__/status` answers the pid and the database path.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sqlite3
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

# Run by path, Python puts this file's directory first on sys.path; nothing of
# ours there may shadow a package Neutron imports.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

CONTROL_PREFIX = "/__kostack__/"
DB_FILE = "neutron.sqlite"  # the product server's database file name
BASELINE_FILE = "baseline.sqlite"
SNAPSHOT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def restore_baseline(db_path: Path, baseline_path: Path) -> int:
    """Copy every table of the baseline over the live database; return the table count."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=30)
    try:
        # Rows go back in table order, so the foreign keys Neutron turns on per
        # connection must be off on this one (they are off by default in sqlite).
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("ATTACH DATABASE ? AS baseline", (str(baseline_path),))
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
        conn.execute("BEGIN IMMEDIATE")
        for table in tables:
            conn.execute(f'DELETE FROM main."{table}"')
            conn.execute(f'INSERT INTO main."{table}" SELECT * FROM baseline."{table}"')
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE baseline")
        return len(tables)
    finally:
        conn.close()


def save_baseline(db_path: Path, baseline_path: Path) -> None:
    """Snapshot the live database (sqlite online backup: consistent while in use)."""
    tmp = baseline_path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    source = sqlite3.connect(db_path)
    target = sqlite3.connect(tmp)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    tmp.replace(baseline_path)


def with_control(app: WsgiApp, neutron_lock: threading.Lock, state_dir: Path) -> WsgiApp:
    """Answer the private control paths (under Neutron's lock); pass the rest to `app`.

    Saves the baseline first if there is none: booting the plugin has filled
    the VXLAN allocation table and no request was served yet, so a reset to it
    equals a fresh boot.
    """
    db_path = state_dir / DB_FILE
    baseline_path = state_dir / BASELINE_FILE
    if not baseline_path.exists():
        save_baseline(db_path, baseline_path)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            with neutron_lock:
                return _control(environ, start_response)
        return app(environ, start_response)

    def _control(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ["PATH_INFO"][len(CONTROL_PREFIX) :]
        method = environ["REQUEST_METHOD"]
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        name = query.get("name", [""])[0] or query.get("to", [""])[0]
        if name and not SNAPSHOT_NAME.fullmatch(name):
            return _json(start_response, "400 Bad Request", {"error": f"bad name {name!r}"})
        snapshot = db_path.with_name(f"snapshot-{name}.sqlite") if name else baseline_path
        started = time.perf_counter()
        if path == "reset" and method == "POST":
            if not snapshot.exists():
                return _json(start_response, "404 Not Found", {"error": f"no snapshot {name!r}"})
            tables = restore_baseline(db_path, snapshot)
            body = {"reset": True, "tables": tables, "seconds": time.perf_counter() - started}
            return _json(start_response, "200 OK", body)
        if path == "snapshot" and method == "POST" and name:
            save_baseline(db_path, snapshot)
            body = {"snapshot": name, "seconds": time.perf_counter() - started}
            return _json(start_response, "200 OK", body)
        if path == "status" and method == "GET":
            return _json(start_response, "200 OK", {"pid": os.getpid(), "db": str(db_path)})
        return _json(start_response, "404 Not Found", {"error": f"no control path {path!r}"})

    return application


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def load_server(path: Path) -> ModuleType:
    """The product's neutron_server.py, loaded from its file."""
    spec = importlib.util.spec_from_file_location("kostack_neutron_server", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"error: cannot load the Neutron server script {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    """Run the product server with the control paths; other arguments go to it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-script", required=True, type=Path)
    parser.add_argument("--state-dir", required=True, type=Path)
    args, rest = parser.parse_known_args(argv)
    state_dir: Path = args.state_dir.resolve()
    if not (state_dir / DB_FILE).exists():
        # A new database gets a new baseline (an old one belongs to another database).
        (state_dir / BASELINE_FILE).unlink(missing_ok=True)
    server = load_server(args.server_script)
    code: int = server.main(["--state-dir", str(state_dir), *rest], extend=with_control)
    return code


if __name__ == "__main__":
    sys.exit(main())
