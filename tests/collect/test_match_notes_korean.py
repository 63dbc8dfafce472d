"""The matcher's notes (why a node has no port, or how its port was chosen) in Korean.

They were English inside Korean output, quoted (“no port has device_id ...”). Every note
the matcher makes is driven here from real inputs; each is a catalogue message kept in the
snapshot by key, so it is said in Korean also after a round trip through a file, while the
English stays what it was. A note without a key (an older snapshot) is its English, quoted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from foundation.english import english_lines, english_pairs
from test_collect_match import NET_B, node, port, server

from kostack.catalog import CATALOG, Msg
from kostack.collect.match import match_nodes
from kostack.match_words import note_of
from kostack.model.snapshot import NodePort
from kostack_testkit.cli import run_cli

S = server("a")


def _links(case: str) -> tuple[NodePort, ...]:
    own = f"openstack:///{S}"
    cases = {
        "not-openstack": ([node("a", "10.0.0.9", provider_id="aws:///eu/i-1")], []),
        "no-device": ([node("a", "10.0.0.9", provider_id=own)], [port("p", "10.0.0.8")]),
        "ip-uuid": ([node("a", "10.0.0.9")], [port("p1", "10.0.0.9", device=S),
                                             port("p2", "10.0.0.9", network=NET_B)]),
        "ip-many": ([node("a", "10.0.0.9")], [port(f"p{i}", "10.0.0.9", network=f"n{i}")
                                             for i in range(5)]),
        "mac-many": ([node("a")], [port("p1", mac="fa:16:3e:00:00:01"),
                                  port("p2", mac="fa:16:3e:00:00:01", network=NET_B)]),
        "nothing": ([node("a")], []),
        "server-ip": ([node("a", "10.0.0.9", provider_id=own)],
                      [port("p1", "10.0.0.9", device=S), port("p2", "10.1.0.9", device=S)]),
        "server-mac": ([node("a", provider_id=own)],
                       [port("p1", device=S, mac="fa:16:3e:00:00:01"), port("p2", device=S)]),
        "server-no-ip": ([node("a", provider_id=own)], [port("p1", device=S), port("p2", device=S)]),
        "server-none": ([node("a", "10.0.0.9", provider_id=own)],
                        [port("p1", "10.2.0.1", device=S), port("p2", "10.2.0.2", device=S)]),
        "server-some": ([node("a", "10.0.0.9", provider_id=own)],
                        [port("p1", "10.0.0.9", device=S), port("p2", "10.0.0.9", device=S)]),
        "network": ([node("a", "10.0.0.9"), node("b", "10.0.0.10")],
                    [port("p1", "10.0.0.9"), port("p2", "10.0.0.9", network=NET_B),
                     port("p3", "10.0.0.10")]),
        "claimed-won": ([node("a", "10.0.0.9", provider_id=own), node("b", "10.0.0.9")],
                        [port("p1", "10.0.0.9", device=S)]),
        "claimed": ([node("a", "10.0.0.9"), node("b", more_ips=("10.0.0.9",))],
                    [port("p1", "10.0.0.9")]),
    }  # fmt: skip
    nodes, ports = cases[case]
    macs = {"a": ["fa:16:3e:00:00:01"]} if case in ("mac-many", "server-mac", "no-device") else {}
    uuids = {"a": S} if case == "ip-uuid" else {}
    return match_nodes(nodes, ports, macs=macs, system_uuids=uuids)


CASES = (
    "not-openstack", "no-device", "ip-uuid", "ip-many", "mac-many", "nothing", "server-ip",
    "server-mac", "server-no-ip", "server-none", "server-some", "network", "claimed-won",
    "claimed",
)  # fmt: skip


def _keys(message: object) -> set[str]:
    if not isinstance(message, Msg):
        return set()
    return {message.key}.union(*(_keys(v) for v in message.params.values()))


def test_every_note_the_matcher_makes_is_a_catalogue_message() -> None:
    said: set[str] = set()
    for case in CASES:
        for link in _links(case):
            if link.note:
                said |= _keys(note_of(link))
    match_keys = {k for k in CATALOG if k.startswith("match.") and k != "match.as-stored"}
    assert match_keys - said == set()


@pytest.mark.parametrize("case", CASES)
def test_every_note_is_korean_also_from_a_file(case: str) -> None:
    links = [link for link in _links(case) if link.note]
    assert links, case
    for link in links:
        again = NodePort.model_validate_json(link.model_dump_json())  # as a file keeps it
        english, korean = note_of(again).render("en"), note_of(again).render("ko")
        assert english == link.note  # the English is what the matcher said
        assert "“" not in korean and english_lines(korean) == [], korean
        assert english_pairs(korean, frozenset({"device_id"})) == [], korean


def test_a_note_without_its_key_is_its_english_quoted() -> None:
    old = NodePort(node="a", note="no port with device_id of openstack:///x")
    assert note_of(old).render("ko") == "“no port with device_id of openstack:///x”"
    assert note_of(old).render("en") == old.note


def test_the_unmatched_example_says_its_note_in_korean() -> None:
    example = str(Path(__file__).resolve().parents[2] / "examples" / "unmatched-node.json")
    code, text = run_cli("diagnose", "--snapshot", example, "--lang", "ko", "-v")
    assert code == 4, text
    assert "수집 기록: device_id가 " in text and "수집 기록: “" not in text, text
    code, english = run_cli("diagnose", "--snapshot", example, "-v")
    assert "No Neutron port matches node k8s-w-3 (10.0.0.14): no port has device_id" in english
