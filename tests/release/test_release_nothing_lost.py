"""Red team of the reinstall against the API double: nothing of anyone else is touched or lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from release_testing import Served
from test_release_apply import SEED_FIVE, identity, plan, run

from kostack.analyze.messages import localize
from kostack.analyze.release_checks.ownership import analyse
from kostack.model.snapshot import HelmState, PersistentVolume, PersistentVolumeClaim
from kostack.plan.release import recovery_recipe


def _get(served: Served, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    obj = served.api.get("v1", kind, name, namespace)
    assert obj is not None, name
    return obj


def test_a_volume_bound_to_another_namespaces_claim_is_never_touched(
    served: Served, tmp_path: Path
) -> None:
    """default's database claim lost its volume and names team-a's (spec.volumeName): that volume
    is bound to team-a/database-data-harbor-database-0, whose data it holds. Before, the plan set
    it to Retain (another team's object) and the recipe pre-bound it to default's claim, which
    takes team-a's database away from it when pasted."""
    team_claim = _get(served, "PersistentVolumeClaim", "database-data-harbor-database-0", "team-a")
    team_volume = team_claim["spec"]["volumeName"]
    ours = _get(served, "PersistentVolumeClaim", "database-data-harbor-database-0", "default")
    served.api.remove("v1", "PersistentVolume", ours["spec"]["volumeName"])
    ours["spec"]["volumeName"] = team_volume
    ours["status"] = {"phase": "Lost"}
    served.api.add(ours)
    team_before = identity(_get(served, "PersistentVolume", team_volume))
    the_plan = plan(served)
    assert {p.key for p in the_plan.pvcs} == SEED_FIVE  # the claim itself is still the release's
    database = next(p for p in the_plan.pvcs if p.name == "database-data-harbor-database-0")
    assert database.volume is None
    assert all(team_volume not in a.target.name for a in the_plan.actions)
    assert team_volume not in "\n".join(recovery_recipe(the_plan))
    (said,) = [w for w in the_plan.warnings if team_volume in localize(w, "en")]
    assert "bound to team-a/database-data-harbor-database-0, not to it" in localize(said, "en")
    assert "바인딩되어 있습니다" in localize(said, "ko")
    result = run(served, the_plan, tmp_path / "journal.jsonl")
    assert result.status == "complete", result.reason
    assert identity(_get(served, "PersistentVolume", team_volume)) == team_before
    assert team_volume not in {r["volume"] for r in result.retained}


def test_a_released_volume_of_an_earlier_claim_of_that_name_is_not_the_new_claims() -> None:
    """A volume Retained by a reinstall still names the deleted claim (with its old uid); a new,
    still Pending claim of the same name does not hold that data (before: it was said to)."""
    old = PersistentVolume(
        name="pvc-old",
        reclaim_policy="Retain",
        phase="Released",
        claim_namespace="default",
        claim_name="harbor-registry",
        claim_uid="uid-old",
    )
    pending = PersistentVolumeClaim(
        namespace="default", name="harbor-registry", uid="uid-new", phase="Pending"
    )
    prebound = old.model_copy(update={"name": "pvc-prebound", "claim_uid": None})
    (claim,) = analyse(HelmState(releases=(), pvcs=(pending,), pvs=(old,))).claims
    assert claim.volume is None
    # pre-bound by name only (the recovery recipe's patch drops the uid): it is that claim's
    (claim,) = analyse(HelmState(releases=(), pvcs=(pending,), pvs=(old, prebound))).claims
    assert claim.volume is not None and claim.volume.name == "pvc-prebound"
