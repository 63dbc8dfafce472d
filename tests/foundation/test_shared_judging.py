"""A family judged once for the whole diagnosis, settled per ``steps`` (engine/judging.py;
docs/engine.md "Shared work").

Pod to pod, the BGP sessions and egress were each judged twice (every hop or the security
groups', then their stateless replies), and every class's members looked their positions up
by a call each: per-node stateless groups cost 462,375 Python calls at 100 nodes, 297,703
with one judging per family and the memos read inline. The answer must be the one judging each evaluation anew gives, to the byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose, diagnose_with_flows
from kostack.analyze.engine import families as families_mod
from kostack.analyze.engine import judging
from kostack.analyze.engine.judging import Constant
from kostack.model import loads_snapshot
from kostack.report.jsonout import diagnosis_dict, dumps
from kostack_testkit.bothhetero import both_hetero_doc
from kostack_testkit.builders import hetero_doc
from kostack_testkit.cost import python_calls
from kostack_testkit.subnets import subnets_doc

Doc = dict[str, Any]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class _Forgets(dict[tuple[object, ...], object]):
    """A `Families.judged` that keeps nothing: every evaluation judged anew, as before."""

    def __setitem__(self, key: tuple[object, ...], value: object) -> None:
        pass


def _answer(doc: Doc) -> str:
    return dumps(diagnosis_dict(diagnose(loads_snapshot(json.dumps(doc))), "test"))


def _unshared(monkeypatch: pytest.MonkeyPatch) -> None:
    real = families_mod.Families.__init__

    def init(self: families_mod.Families, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        self.judged = _Forgets()

    monkeypatch.setattr(families_mod.Families, "__init__", init)


def _docs() -> dict[str, Doc]:
    docs: dict[str, Doc] = {
        "stateless": both_hetero_doc(30, "stateless", pods_per_node=2),
        "stateless-same": both_hetero_doc(30, "stateless", heterogeneous=False, pods_per_node=2),
        "egress": both_hetero_doc(30, "egress", pods_per_node=2),
        "hetero": hetero_doc(30, heterogeneous=True, pods_per_node=2),
        "subnets-mixed": subnets_doc(60, 6, mixed=True, pods_per_node=2),
    }
    for name in ("stateless-replies-dropped", "bgp-stateless-replies", "calico-bgp-one-way"):
        doc = json.loads((EXAMPLES / f"{name}.json").read_text())
        docs[name] = doc.get("snapshot", doc) if "cluster" not in doc else doc
    return docs


def test_shared_judging_gives_the_answer_of_judging_anew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Per-node groups on both sides, per-node stateless groups, mixed subnets and the
    examples with stateless groups and one-way BGP: the same JSON (findings, facts, examples,
    the trace count) with each family judged once as with every evaluation judged anew."""
    docs = _docs()
    shared = {name: _answer(doc) for name, doc in docs.items()}
    _unshared(monkeypatch)
    for name, doc in docs.items():
        assert _answer(doc) == shared[name], name


def test_checks_of_one_family_share_its_judging(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pod to pod and its stateless replies, the BGP sessions and their replies, egress and
    its replies: each judged once (21 evaluations, 18 judgings), and none kept once the
    checks are done (the garbage collector would walk them)."""
    judged: list[tuple[object, ...]] = []
    real = judging._judge

    def counted(fam: families_mod.Families, *args: Any) -> Any:
        judged.append((id(fam), *args[2:]))
        return real(fam, *args)

    monkeypatch.setattr(judging, "_judge", counted)
    snap = loads_snapshot(json.dumps(both_hetero_doc(20, "stateless")))
    _, flows = diagnose_with_flows(snap)
    evaluations = len(flows.families.stats)  # one entry per evaluation
    assert (evaluations, len(judged)) == (21, 18)
    assert not flows.families.judged
    flows_of = [k[1] for k in judged]
    assert flows_of.count(Constant("tcp", 8080)) == 1  # pod to pod, and its replies


def test_per_node_stateless_groups_cost_one_judging_per_family() -> None:
    """100 nodes, each in a stateless group of its own: at most 360,000 Python calls for the
    whole diagnosis (462,375 with each check's family judged anew; 297,703 now)."""
    snap = loads_snapshot(json.dumps(both_hetero_doc(100, "stateless", pods_per_node=1)))
    calls, result = python_calls(lambda: diagnose(snap))
    assert result.root_causes
    assert calls <= 360_000, calls
