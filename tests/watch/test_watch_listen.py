"""`--listen HOST:0` of `kostack watch` and `kostack guard`: the exporter binds a free port
and the start line names the port it got (English and Korean), so tests and scripts never
pick a port, release it and hope nobody takes it before the exporter binds it."""

from __future__ import annotations

import re

import pytest
from watch_testing import EXAMPLES, WatchProcess, http_get, listening_ports

SNAPSHOT = {"watch": "seed-incident.json", "guard": "pairs-some-ports.json"}
ANNOUNCED = {
    "en": r"metrics on http://127\.0\.0\.1:(\d+)/metrics",
    "ko": r"메트릭은 http://127\.0\.0\.1:(\d+)/metrics",
}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("command", ["watch", "guard"])
def test_port_zero_binds_a_free_port_and_names_it(command: str, lang: str) -> None:
    args = ["--snapshot", str(EXAMPLES / SNAPSHOT[command]), "--interval", "3600"]
    proc = WatchProcess([*args, "--lang", lang, "--listen", "127.0.0.1:0"], command=command)
    proc.start()
    try:
        (match,) = (m for m in map(re.compile(ANNOUNCED[lang]).search, proc.drain()) if m)
        assert match is not None and int(match.group(1)) == proc.port != 0
        assert listening_ports(proc.pid) == {proc.port}  # the port it names is the one it holds
        assert http_get(f"http://127.0.0.1:{proc.port}/healthz")[0] == 200
    finally:
        proc.stop()
