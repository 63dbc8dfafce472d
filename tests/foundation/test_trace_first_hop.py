"""Trace hop 1 names the pod once: "pod demo/netshoot 10.244.1.7: out through its veth to node k8s-w-1".

It used to repeat it: "pod demo/netshoot 10.244.1.7: pod demo/netshoot 10.244.1.7 on k8s-w-1 -> node (veth)".
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kostack.cli.common import Environment
from kostack.cli.main import main

SEED = str(Path(__file__).resolve().parents[2] / "examples" / "seed-incident.json")


def trace(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False)
    main(["trace", "--snapshot", SEED, *args], env)
    return out.getvalue()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "out through its veth to node k8s-w-1"), ("ko", "veth를 거쳐 노드 k8s-w-1로")],
)
@pytest.mark.parametrize(
    "dst", ["svc:kube-system/kube-dns:53/udp", "pod:kube-system/coredns-674b8bbfcf-7xk2q"]
)
def test_hop_1_names_the_pod_once(lang: str, expected: str, dst: str) -> None:
    text = trace("--lang", lang, "pod:demo/netshoot", dst)
    firsts = [line for line in text.splitlines() if line.startswith(" 1 ")]
    assert firsts, text
    for line in firsts:
        assert line.count("demo/netshoot") == 1, line
        assert line.count("10.244.1.7") == 1, line
        assert expected in line, line
