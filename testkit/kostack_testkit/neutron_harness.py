"""The real Neutron for tests: `NeutronServer` (neutron_launcher.py), a fast reset, snapshots.

`NeutronHarness` starts the same server `kostack lab` uses (the product's
`neutron_server.py`, from the same Neutron venv in the user cache), wrapped
by `neutron_control.py`, which adds private control paths: `reset()` puts the
database back to the state right after boot (~20 ms), `snapshot(name)` /
`reset(to=name)` save and restore a seeded cloud. Measured numbers are in
docs/dev/neutron-harness.md.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

from kostack.catalog import Msg, register
from kostack_lab.neutron_venv import NeutronError
from kostack_testkit.neutron_launcher import NeutronServer

# The harness' own errors, keyed as every LabError is (kostack_lab.texts).
register(
    {
        "testkit.neutron.no_rss": {
            "en": "no VmRSS in {path}",
            "ko": "{path}에 VmRSS가 없습니다",
        },
        "testkit.neutron.linux": {"en": "Linux only", "ko": "Linux에서만 됩니다"},
        "testkit.neutron.failed": {
            "en": "{method} {url} failed: {why}",
            "ko": "{method} {url} 실패: “{why}”",
        },
        "testkit.neutron.see": {"en": "see {log}", "ko": "{log:을/를} 확인하세요"},
        "testkit.neutron.not_object": {
            "en": "{method} {url} answered {answer}, not an object",
            "ko": "{method} {url}의 응답 {answer:은/는} 객체가 아닙니다",
        },
    }
)

__all__ = ["CONTROL_SCRIPT", "NeutronHarness"]

CONTROL_SCRIPT = Path(__file__).with_name("neutron_control.py")
CONTROL_PREFIX = "__kostack__/"
_SNAPSHOT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def _snapshot_name(name: str) -> str:
    if not _SNAPSHOT_NAME.fullmatch(name):
        raise ValueError(f"snapshot name {name!r}: use lowercase letters, digits and dashes")
    return name


class NeutronHarness(NeutronServer):
    """A `NeutronServer` whose database can be reset and snapshotted between tests.

    Usage::

        with NeutronHarness() as harness:   # starts in a temporary state dir
            conn = openstack_connection(harness.endpoint)
            ...
            harness.reset()                  # back to an empty cloud (~20 ms)
    """

    def _server_command(self, state_dir: Path, port: int) -> list[str]:
        """The control wrapper, given the product's server script and its arguments."""
        script, *arguments = super()._server_command(state_dir, port)
        return [str(CONTROL_SCRIPT), "--server-script", script, *arguments]

    def reset(self, to: str | None = None) -> float:
        """Put the database back to the state right after the first boot, or to snapshot `to`.

        Returns the seconds the server spent (~0.02). Every table is restored
        from the baseline (or the named snapshot) in one sqlite transaction,
        between two API requests. Ids, revision numbers and timestamps come
        back exactly as they were.
        """
        path = "reset" if to is None else f"reset?to={_snapshot_name(to)}"
        answer = self._control("POST", path)
        seconds = answer.get("seconds")
        return float(seconds) if isinstance(seconds, int | float) else 0.0

    def snapshot(self, name: str) -> None:
        """Save the current database as snapshot `name` (lowercase, digits, dashes).

        The snapshot lives in the state dir, so it survives restart().
        """
        self._control("POST", f"snapshot?name={_snapshot_name(name)}")

    def has_snapshot(self, name: str) -> bool:
        """Whether snapshot `name` exists in the state dir."""
        return (self.state_dir / f"snapshot-{_snapshot_name(name)}.sqlite").exists()

    def rss_bytes(self) -> int:
        """Resident memory of the server process (Linux /proc)."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if match is None:
            raise NeutronError(
                Msg("testkit.neutron.no_rss", path=f"/proc/{self.pid}/status"),
                Msg("testkit.neutron.linux"),
            )
        return int(match.group(1)) * 1024

    def _control(self, method: str, path: str) -> dict[str, Any]:
        url = self.endpoint + CONTROL_PREFIX + path
        request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = json.loads(response.read() or b"{}")
        except (OSError, ValueError) as exc:
            raise NeutronError(
                Msg("testkit.neutron.failed", method=method, url=url, why=str(exc)),
                Msg("testkit.neutron.see", log=str(self.log_path)),
            ) from exc
        if not isinstance(answer, dict):
            raise NeutronError(
                Msg("testkit.neutron.not_object", method=method, url=url, answer=repr(answer))
            )
        return answer


def write_noauth_clouds(path: Path, endpoint: str, name: str = "seed") -> Path:
    """A clouds.yaml (JSON is YAML) whose cloud ``name`` reaches the harness without Keystone."""
    clouds = {
        "clouds": {
            name: {
                "auth_type": "none",
                "network_endpoint_override": endpoint,
                "region_name": "RegionOne",
            }
        }
    }
    path.write_text(json.dumps(clouds))
    return path
