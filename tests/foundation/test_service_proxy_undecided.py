"""When who serves ClusterIPs is not decided (net-service-proxy UNKNOWN), DNS and the kubernetes
Service are not decided either: net-dns and net-api-service said PASS "through kube-proxy" on a
snapshot whose kube-proxy pods were not listed, a PASS resting on the very fact
net-service-proxy called undecided. And with Antrea's antreaProxy.enable false and kube-proxy
gone, the fix listed kubeadm's kube-proxy addon and Antrea's ConfigMap edit as steps to run in
turn; they are two ways, said as ways in the text, the plan, the script and the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.service_proxy import NO_SERVICE_PROXY
from kostack.analyze.findings import command_for
from kostack.analyze.messages import localize
from kostack.cli.main import cli
from kostack_testkit.antrea import as_antrea
from kostack_testkit.builders import build
from kostack_testkit.node_ports import antrea_no_proxy, node_port_doc
from kostack_testkit.service_proxy import calico_no_proxy, calico_proxy_back, healthy

Doc = dict[str, Any]
SYMPTOMS = ("net-dns", "net-api-service")


def _unlisted(doc: Doc) -> None:
    """kube-proxy's ConfigMap (mode iptables) read, the pods not listed."""
    doc["cluster"]["pods"] = None
    doc["cluster"]["kube_proxy_pods"] = None


def _unlisted_no_mode(doc: Doc) -> None:
    """Neither the pods nor kube-proxy's ConfigMap read."""
    _unlisted(doc)
    doc["cluster"]["kube_proxy_mode"] = None


def _antrea_unread(doc: Doc) -> None:
    """kube-proxy gone, Antrea's settings not read: AntreaProxy may or may not serve."""
    calico_no_proxy(doc)
    as_antrea(doc)
    doc["cluster"]["cni"]["antrea"] = None


def _statuses(doc: Doc) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for f in diagnose(build(doc)).findings:
        found.setdefault(f.check_id, set()).add(f.status.value)
    return found


@pytest.mark.parametrize(
    ("edit", "read_it"),
    [
        (_unlisted, "kubectl -n kube-system get daemonset kube-proxy"),
        (_unlisted_no_mode, "kubectl -n kube-system get daemonset kube-proxy"),
        (_antrea_unread, "kubectl -n kube-system get configmap antrea-config -o yaml"),
    ],
)
def test_undecided_proxy_leaves_dns_and_the_api_service_undecided(
    edit: Callable[[Doc], None], read_it: str
) -> None:
    doc = healthy()
    edit(doc)
    d = diagnose(build(doc))
    statuses = _statuses(doc)
    assert statuses["net-service-proxy"] == {"unknown"}
    for check in SYMPTOMS:
        assert statuses[check] == {"unknown"}, (check, statuses[check])
        for f in (f for f in d.findings if f.check_id == check):
            en, ko = localize(f.message, "en"), localize(f.message, "ko")
            assert "whether anything translates" in en, en
            assert "kube-proxy on" not in en  # no proxy named that is not known to run
            assert read_it in en and read_it in ko
            assert "변환하는 것이 있는지 판단하지 않았습니다" in ko
    assert not d.root_causes


def test_decided_proxy_keeps_its_verdicts() -> None:
    """kube-proxy's pods listed and running: a PASS; listed and none: the root cause."""
    doc = healthy()
    calico_proxy_back(doc)
    assert all(_statuses(doc)[c] == {"pass"} for c in (*SYMPTOMS, "net-service-proxy"))
    calico_no_proxy(doc)
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == [NO_SERVICE_PROXY]


def test_trace_says_the_hop_is_undecided() -> None:
    doc = healthy()
    _unlisted(doc)
    d = diagnose(build(doc))
    dns = next(f for f in d.findings if f.check_id == "net-dns")
    assert "undecided at the Service proxy on" in localize(dns.message, "en")


def _antrea_off(doc: Doc) -> None:
    """kube-proxy's DaemonSet deleted (ConfigMap kept), antreaProxy.enable false, members down."""
    antrea_no_proxy(doc)
    doc["cluster"]["cni"]["antrea"]["antrea_proxy"] = False


ONE = "kubectl -n kube-system get daemonset kube-proxy -o wide"
ANOTHER = "kubectl -n kube-system edit configmap antrea-config"


def test_antrea_proxy_off_fix_is_two_ways() -> None:
    doc = node_port_doc(_antrea_off)
    d = diagnose(build(doc))
    (rc,) = d.root_causes
    assert rc.key == NO_SERVICE_PROXY
    commands = [command_for(r) for r in rc.fix.remedies]
    assert commands == [
        ONE,
        "kubectl -n kube-system get configmap kubeadm-config -o "
        "'jsonpath={.data.ClusterConfiguration}' > kubeadm-config.yaml",
        "kubeadm init phase addon kube-proxy --config kubeadm-config.yaml",
        ANOTHER,
        "kubectl -n kube-system rollout restart daemonset/antrea-agent",
    ]
    assert [r.param("choice") for r in rc.fix.remedies] == ["one", "", "", "another", ""]
    # lb-members-down's members under it carry the same ways, said once in the root cause
    down = next(f for f in d.findings if f.check_id == "lb-members-down" and f.remedies)
    assert [command_for(r) for r in down.remedies] == commands


def test_antrea_proxy_off_ways_in_text_script_and_report(tmp_path: Path) -> None:
    from kostack.report.text import render_diagnosis

    doc = node_port_doc(_antrea_off)
    d = diagnose(build(doc))
    for lang, one, another in [
        ("en", "# one way: run kube-proxy again", "# another way: turn AntreaProxy on"),
        ("ko", "# 한 가지 방법: kube-proxy를 다시 실행합니다", "# 다른 방법: AntreaProxy를 켭니다"),
    ]:
        lines = [line.strip() for line in render_diagnosis(d, lang=lang).splitlines()]
        i = next(n for n, line in enumerate(lines) if line.startswith(one))
        assert lines[i + 1] == ONE, lines[i : i + 2]
        assert lines[i + 4].startswith(another), lines[i : i + 6]
        assert lines[i + 5] == ANOTHER
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(build(doc).model_dump_json())
    runner = CliRunner()
    script = runner.invoke(cli, ["fix", "plan", "--snapshot", str(snapshot), "-o", "script"])
    notes = [
        n for n, line in enumerate(script.output.splitlines()) if "choose one, not all" in line
    ]
    assert len(notes) == 2, script.output[-3000:]
    for lang, another in (("en", "# another way: turn AntreaProxy on"), ("ko", "# 다른 방법:")):
        out = tmp_path / f"report-{lang}.md"
        args = ["report", "--snapshot", str(snapshot), "--lang", lang, "-o", str(out)]
        runner.invoke(cli, args)
        report = out.read_text()
        assert another in report and ANOTHER in report


def test_antrea_proxy_on_or_other_cni_keeps_one_way() -> None:
    """Without Antrea's AntreaProxy off the fix stays kube-proxy's addon alone."""
    doc = healthy()
    calico_no_proxy(doc)
    (rc,) = diagnose(build(doc)).root_causes
    assert not [r for r in rc.fix.remedies if r.param("choice")]
    assert command_for(rc.fix.remedies[0]) == ONE
