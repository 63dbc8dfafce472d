"""No printed advice destroys what is not proven to belong to a release that failed.

One failed release (harbor/harbor) among: the same release name deployed and
healthy in team-a, a healthy PostgreSQL release, a release whose volume is
labelled with the failed release's name, a volume labelled like it with no
proof, a volume whose Helm annotations name another namespace, and the kept
volume of a gone release of the same name in team-b. Every output that can
carry a command (the incident report in Markdown and HTML, English and
Korean; `release check` as text and JSON, whole and for the name; the
reinstall plan as text and JSON) is pasted into bash with stub commands:
what would be uninstalled, deleted or reclaimed is exactly the failed
release and its own volumes, and no other object is named anywhere in the
report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from advice_testing import Target, destructive_targets, lookalike_state
from report_testing import run, write_doc
from shell_argv import html_commands, json_commands, markdown_commands, paste, text_commands

from kostack.analyze.diagnose import diagnose
from kostack.report.incident import build_incident
from kostack_testkit.builders import build, example_doc

FAILED = ("harbor", "harbor")


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    state = lookalike_state()
    doc = example_doc("seed-incident")
    doc["helm"] = state.doc()
    path = write_doc(doc, tmp_path_factory.mktemp("advice") / "snapshot.json")
    own = state.owned[FAILED]
    foreign_pvcs = {(p["namespace"], p["name"]) for p in state.pvcs} - set(own)
    return {
        "doc": doc,
        "path": path,
        "own": set(own),
        "own_pvs": {f"pv-{ns}-{name}" for ns, name in own},
        "foreign_pvcs": foreign_pvcs,
        "foreign_pvs": {f"pv-{ns}-{name}" for ns, name in foreign_pvcs},
    }


def _outputs(case: dict[str, object], tmp: Path) -> dict[str, list[str]]:
    """Every printed command, per output (the report in both formats and languages, the CLI)."""
    path = str(case["path"])
    out: dict[str, list[str]] = {}
    for lang in ("en", "ko"):
        for fmt in ("md", "html"):
            target = tmp / f"report-{lang}.{fmt}"
            code, _, err = run("report", "--snapshot", path, "--lang", lang, "-o", str(target))
            assert code == 0, err
            text = target.read_text(encoding="utf-8")
            out[f"report {fmt} {lang}"] = (
                markdown_commands(text) if fmt == "md" else html_commands(text)
            )
    for args in ((), ("harbor",), ("harbor", "-n", "harbor"), ("pg",), ("harbor", "-n", "team-a")):
        for fmt in ("text", "json"):
            _, text, _ = run("release", "check", *args, "--snapshot", path, "-o", fmt)
            key = f"release check {' '.join(args)} {fmt}"
            out[key] = json_commands(json.loads(text)) if fmt == "json" else text_commands(text)
    plan = ("release", "reinstall", "harbor", "--namespace", "harbor", "--chart", "repo/harbor")
    _, text, _ = run(*plan, "--snapshot", path)
    out["reinstall plan text"] = text_commands(text)
    _, text, _ = run(*plan, "--snapshot", path, "-o", "json")
    out["reinstall plan json"] = json_commands(json.loads(text))
    return out


def test_every_output_advises_deleting_only_the_failed_releases_own(
    case: dict[str, object], tmp_path: Path
) -> None:
    outputs = _outputs(case, tmp_path)
    allowed = {Target("uninstall", *FAILED), Target("reinstall", *FAILED)}
    allowed |= {Target("delete-pvc", ns, name) for ns, name in case["own"]}  # type: ignore[attr-defined]
    allowed |= {Target("patch-pv", "", pv) for pv in case["own_pvs"]}  # type: ignore[attr-defined]
    checked = 0
    for name, chunks in outputs.items():
        done = paste(chunks, tmp_path)
        assert not done.canary and all(r.status == 0 for r in done.results), (name, done.errors)
        targets = destructive_targets(done)
        foreign = [t for t in targets if t not in allowed]
        assert foreign == [], f"{name} names objects that are not the failed release's: {foreign}"
        checked += len(targets)
    # the outputs that advise the reinstall really carry it (the test can fail)
    for name in (
        "report md en",
        "report html ko",
        "release check  text",
        "release check harbor json",
    ):
        assert Target("reinstall", *FAILED) in destructive_targets(paste(outputs[name], tmp_path))
    report = destructive_targets(paste(outputs["report md en"], tmp_path))
    assert {(t.namespace, t.name) for t in report if t.verb == "delete-pvc"} == case["own"]
    assert Target("uninstall", *FAILED) in report
    assert checked > 40
    # nothing advised for the healthy release or the lookalike namespace
    assert outputs["release check pg text"] == [] and outputs["release check pg json"] == []
    assert outputs["release check harbor -n team-a json"] == []


def test_the_report_names_no_object_of_another_release(case: dict[str, object]) -> None:
    snapshot = build(case["doc"])  # type: ignore[arg-type]
    diagnosis = diagnose(snapshot)
    foreign_names = {name for _, name in case["foreign_pvcs"]} - {  # type: ignore[attr-defined]
        name
        for _, name in case["own"]  # type: ignore[attr-defined]
    }
    from kostack.report.html import render_html
    from kostack.report.markdown import render_markdown

    mentions = []
    for lang in ("en", "ko"):
        report = build_incident(snapshot, diagnosis, (), lang)
        for text in (render_markdown(report, "t"), render_html(report, "t")):
            for pv in case["foreign_pvs"]:  # type: ignore[attr-defined]
                mentions += [pv] if pv in text else []
            for ns, name in case["foreign_pvcs"]:  # type: ignore[attr-defined]
                mentions += [f"{ns}/{name}"] if f"{ns}/{name}" in text else []
            mentions += [n for n in foreign_names if n in text]
        # the healthy releases are not symptoms, impact, notes or fixes
        said = " ".join(
            [*report.symptoms, *report.impact, report.title]
            + [p for note in report.notes for p in note.paragraphs]
            + [c.command + " " + str(c.note) for g in report.solution for c in g.commands]
        )
        assert "team-a" not in said and "team-b" not in said and "pg" not in said.split()
        assert "redis-cache" not in said
    assert mentions == [], mentions


def test_a_healthy_cluster_with_releases_gets_no_destructive_advice(tmp_path: Path) -> None:
    state = lookalike_state()
    for release in state.releases:  # the failed one is fixed: deployed, its volume new
        release["status"] = "deployed"
        release["history"][0]["status"] = "deployed"
    for pvc in state.pvcs:
        pvc["created"] = "2026-11-20T08:30:00Z"
    doc = example_doc("seed-fixed")
    doc["helm"] = state.doc()
    snapshot = build(doc)
    report = build_incident(snapshot, diagnose(snapshot), (), "en")
    assert report.solution == () and report.notes == ()
    assert report.title == "Kubernetes on OpenStack: network check, no fault found"
    path = write_doc(doc, tmp_path / "snap.json")
    _, text, _ = run("release", "check", "--snapshot", path, "-o", "json")
    assert json.loads(text)["advice"] == []


def test_unproven_volumes_give_no_deleting_command_and_say_why() -> None:
    """The new install would bind a claim nothing proves is the failed release's: no delete at all."""
    state = lookalike_state()
    for pvc in state.pvcs:
        if (pvc["namespace"], pvc["name"]) == ("harbor", "data-harbor-redis-0"):
            # named like the StatefulSet's claim, without the labels the controller copies
            pvc["labels"] = {"release": "harbor"}
    doc = example_doc("seed-fixed")  # the network works: only the unproven claim blocks
    doc["helm"] = state.doc()
    snapshot = build(doc)
    report = build_incident(snapshot, diagnose(snapshot), (), "en")
    group = report.solution[-1]
    assert group.title == "5.1 Reinstall harbor cleanly"
    commands = [c.command for c in group.commands]
    assert commands == ["kostack release check harbor --namespace harbor -v"]
    note = str(group.note)
    assert "No command that deletes anything is given" in note
    assert "harbor/data-harbor-redis-0" in note and "ownership is proven" in note
