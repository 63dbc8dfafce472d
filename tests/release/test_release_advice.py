"""The issue's own case, read from the API double: the report never advises deleting team-a's volumes.

The seed's Helm state (harbor failed in default, then in harbor) with the
lookalikes (a healthy harbor in team-a, the PostgreSQL release pg, an
uninstalled harbor-staging, redis-cache's claim named like Harbor's, a
hand-made claim, an unrelated application's), collected through the
official client. Before the fix, section 5 of the report printed
`kubectl delete pvc -n team-a ...` and `helm uninstall pg`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from release_testing import ROOT, with_helm

from kostack.analyze.diagnose import diagnose
from kostack.collect.helm import HelmCollection
from kostack.report.html import render_html
from kostack.report.incident import build_incident
from kostack.report.markdown import render_markdown

sys.path.insert(0, str(ROOT / "tests" / "report"))
from advice_testing import Target, destructive_targets  # the report tests' helpers
from shell_argv import html_commands, markdown_commands, paste

SEED_FIVE = (
    "harbor-jobservice",
    "harbor-registry",
    "data-harbor-redis-0",
    "data-harbor-trivy-0",
    "database-data-harbor-database-0",
)


def test_the_report_of_the_issue_names_nothing_of_team_a_pg_or_the_lookalikes(
    collected: HelmCollection, tmp_path: Path
) -> None:
    snapshot = with_helm("seed-incident.json", collected)
    assert snapshot.helm is not None and snapshot.helm.pvcs and snapshot.helm.pvs
    own = {("default", name) for name in SEED_FIVE}
    volumes = {(p.namespace, p.name): p.volume_name for p in snapshot.helm.pvcs}
    foreign = {key for key in volumes if key not in own}
    assert ("team-a", "harbor-registry") in foreign and (
        "default",
        "data-pg-postgresql-0",
    ) in foreign
    allowed = {
        Target("uninstall", "harbor", "harbor"),
        Target("uninstall", "default", "harbor"),  # the copy an install without -n left there
        Target("reinstall", "harbor", "harbor"),
        *(Target("delete-pvc", ns, name) for ns, name in own),
        *(Target("patch-pv", "", volumes[key] or "") for key in own),
    }
    diagnosis = diagnose(snapshot)
    named = []
    for lang in ("en", "ko"):
        report = build_incident(snapshot, diagnosis, (), lang)
        md, page = render_markdown(report, "t"), render_html(report, "t")
        for commands in (markdown_commands(md), html_commands(page)):
            done = paste(commands, tmp_path)
            assert not done.canary and all(r.status == 0 for r in done.results), done.errors
            targets = destructive_targets(done)
            assert targets, "the report advises the clean reinstall"
            assert [t for t in targets if t not in allowed] == []
            assert {(t.namespace, t.name) for t in targets if t.verb == "delete-pvc"} == own
        for text in (md, page):
            named += [f"{ns}/{name}" for ns, name in foreign if f"{ns}/{name}" in text]
            named += [v for key, v in volumes.items() if key in foreign and v and v in text]
            named += [
                word
                for word in ("team-a/harbor-", "harbor-staging", "data-harbor-redis-1", "www-data")
                if word in text
            ]
    assert named == []
