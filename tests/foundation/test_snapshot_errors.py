"""The snapshot loader: strict types, and errors that say what, where (JSON path) and what to do.

Before: an MTU given as the string "1450" was taken silently; errors read
"no such file: /nonexistent.json ($) in /nonexistent.json", "cannot read adir:
Is a directory ($) in adir", "unsupported schema_version '1', this kostack
reads 1" (for the string "1") and pydantic's "Input should be a valid tuple".
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.model import SCHEMA_VERSION, SnapshotFormatError, loads_snapshot

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "seed-incident.json"


def seed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SEED.read_text(encoding="utf-8"))
    return data


def diagnose(path: str | Path, *more: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False)
    code = main(["diagnose", "--snapshot", str(path), *more], env)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def set_at(data: dict[str, Any], path: str, value: object) -> None:
    """Set `value` at a simple JSON path such as $.openstack.networks[0].mtu."""
    parts = path.removeprefix("$.").replace("]", "").replace("[", ".").split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    node[int(last) if last.isdigit() else last] = value


# (JSON path, value, the error's words after "PATH: ")
WRONG_TYPES = [
    ("$.openstack.networks[0].mtu", "1450", "expected a whole number, got the string '1450'"),
    ("$.openstack.networks[0].mtu", 1450.0, "expected a whole number, got the number 1450.0"),
    ("$.openstack.networks[0].mtu", True, "expected a whole number, got true"),
    ("$.cluster.cni.calico.mtu", "1400", "expected a whole number, got the string '1400'"),
    (
        "$.openstack.ports[0].port_security_enabled",
        "yes",
        "expected true or false, got the string 'yes'",
    ),
    ("$.openstack.ports[0].port_security_enabled", 1, "expected true or false, got the number 1"),
    ("$.openstack.ports", {}, "expected a list, got an object"),
    ("$.cluster.nodes", "k8s-w-1", "expected a list, got the string 'k8s-w-1'"),
    ("$.openstack.ports[0].id", 7, "expected a string, got the number 7"),
    ("$.schema_version", "1", "expected a whole number, got the string '1'"),
]


@pytest.mark.parametrize(("where", "value", "words"), WRONG_TYPES)
def test_a_value_of_the_wrong_type_is_an_error_at_its_path(
    tmp_path: Path, where: str, value: object, words: str
) -> None:
    data = seed()
    set_at(data, where, value)
    code, out, err = diagnose(write(tmp_path, data))
    assert code == 2 and out == ""
    first, hint = err.splitlines()
    assert first == f"error: snapshot {tmp_path / 'snap.json'}, {where}: {words}"
    assert hint.startswith("hint: Write the value as JSON of that type")
    assert "Input should be" not in err


def test_the_right_types_still_load(tmp_path: Path) -> None:
    data = seed()
    set_at(data, "$.openstack.networks[0].mtu", 1450)
    set_at(data, "$.openstack.networks[0].port_security_enabled", None)
    snapshot = loads_snapshot(json.dumps(data))
    assert snapshot.openstack is not None and snapshot.openstack.networks
    assert snapshot.openstack.networks[0].mtu == 1450


def test_every_example_loads() -> None:
    examples = sorted((ROOT / "examples").glob("*.json"))
    assert len(examples) > 20
    for path in examples:
        loads_snapshot(path.read_bytes())


def test_code_may_still_build_records_from_python_values() -> None:
    """Strictness is the loader's: a collector's "1450" from a ConfigMap is not an error."""
    from kostack.model.snapshot import Network

    assert Network(id="n", name="n", mtu="1450").mtu == 1450  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "first", "hint"),
    [
        (
            lambda d: d / "missing.json",
            "error: cannot read snapshot {path}: no such file",
            "hint: Give the path of a snapshot written by `kostack collect -o FILE`",
        ),
        (
            lambda d: d,
            "error: cannot read snapshot {path}: it is a directory, not a file",
            "hint: Give the snapshot file itself",
        ),
    ],
    ids=["missing", "directory"],
)
def test_file_errors_name_the_file_once(tmp_path: Path, make: Any, first: str, hint: str) -> None:
    path = make(tmp_path)
    code, _out, err = diagnose(path)
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == first.format(path=path)
    assert lines[1].startswith(hint)
    assert err.count(str(path)) == 1 and "($)" not in err


def test_not_json_says_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text('{"schema_version": 2,}', encoding="utf-8")
    code, _out, err = diagnose(path)
    assert code == 2
    assert err.startswith(f"error: snapshot {path}, line 1 column 22: not valid JSON: ")


def test_a_version_this_kostack_does_not_read(tmp_path: Path) -> None:
    data = seed()
    data["schema_version"] = 9
    code, _out, err = diagnose(write(tmp_path, data))
    assert code == 2
    assert (
        "$.schema_version: schema_version 9 is not one this kostack reads (it reads 1, 2, 3)" in err
    )
    data.pop("schema_version")
    _code, _out, err = diagnose(write(tmp_path, data))
    assert "$.schema_version: schema_version is missing" in err
    assert f'hint: Add "schema_version": {SCHEMA_VERSION}' in err


def test_not_an_object(tmp_path: Path) -> None:
    code, _out, err = diagnose(write(tmp_path, [1, 2]))
    assert code == 2
    assert "$: a snapshot is a JSON object ({...}), this is a list" in err


def test_in_korean(tmp_path: Path) -> None:
    data = seed()
    set_at(data, "$.openstack.networks[0].mtu", "1450")
    path = write(tmp_path, data)
    code, _out, err = diagnose(path, "--lang", "ko")
    assert code == 2
    assert (
        f"스냅샷 {path}, $.openstack.networks[0].mtu: 형식이 맞지 않습니다. "
        "필요한 형식: 정수, 실제 값: 문자열 '1450'"
    ) in err
    assert "Write the value" not in err
    code, _out, err = diagnose(tmp_path, "--lang", "ko")
    assert f"스냅샷 {tmp_path}" in err and "디렉터리입니다" in err


def test_the_error_object_keeps_what_and_where() -> None:
    data = seed()
    set_at(data, "$.openstack.networks[0].mtu", "1450")
    with pytest.raises(SnapshotFormatError) as caught:
        loads_snapshot(json.dumps(data))
    assert caught.value.path == "$.openstack.networks[0].mtu"
    assert caught.value.what == "expected a whole number, got the string '1450'"
    assert caught.value.describe("s.json") == (
        "snapshot s.json, $.openstack.networks[0].mtu: "
        "expected a whole number, got the string '1450'"
    )
