"""A check of one CNI (`Says.only_for`) on a cluster of that CNI whose settings were not read
is undecided, never "the CNI is not ..." (NOT-APPLICABLE): the CNI is known to be it."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.catalog import localize
from kostack_testkit.builders import build, seed_doc


def _findings(cni: dict[str, Any], check_id: str) -> list[Any]:
    doc = seed_doc()
    doc["cluster"]["cni"].update(cni)
    return [f for f in diagnose(build(doc)).findings if f.check_id == check_id]


@pytest.mark.parametrize(
    ("cni", "check_id"),
    [
        ({"type": "calico", "calico": None}, "net-calico-host-nat"),
        ({"type": "cilium", "calico": None, "cilium": None}, "net-sg-cilium-health"),
    ],
)
def test_the_cni_without_its_settings_is_unknown_not_another_cni(
    cni: dict[str, Any], check_id: str
) -> None:
    (f,) = _findings(cni, check_id)
    assert f.status == Status.UNKNOWN, localize(f.message, "en")
    for lang in ("en", "ko"):
        text = localize(f.message, lang)
        assert "not Calico" not in text and "not Cilium" not in text, text
        assert "아니므로" not in text, text


def test_another_cni_is_still_not_applicable() -> None:
    (f,) = _findings({"type": "cilium", "calico": None, "cilium": None}, "net-calico-host-nat")
    assert f.status == Status.NOT_APPLICABLE
