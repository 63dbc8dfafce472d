"""The Octavia test server's status simulator and database reset (loaded by octavia_server.py).

TEST SUPPORT, never shipped; runs inside the test Octavia venv. No provider
reports status in the test server (the amphora provider casts to a controller
worker that does not run), so every object would stay PENDING_* forever. The
simulator reports instead, through Octavia's own
``DriverUpdater.update_loadbalancer_status`` (the path a real provider's
driver-agent takes): PENDING_CREATE/UPDATE -> ACTIVE with the operating status
a healthy cloud shows, PENDING_DELETE -> DELETED (a cascade-deleted LB's
children too). It also serves the ``/_sim/`` controls: hold, backdate, reset.
"""

from __future__ import annotations

import json
import queue
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any


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
