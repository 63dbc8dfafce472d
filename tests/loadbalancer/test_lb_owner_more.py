"""More of who owns a Service of type LoadBalancer (analyze/loadbalancer/owner.py,
analyze/checks/_lb_unowned.py): MetalLB's speaker's own --lb-class, OCCM outside the cluster,
OCCM's [LoadBalancer] enabled = false, and the Fix commands of lb-no-controller.

Before these, a speaker of another class than its controller's went unsaid, a cluster whose
OCCM runs outside was failed with "no controller", OCCM with its load balancers disabled was
taken as Octavia's owner, and lb-no-controller had no command to paste."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
from test_lb_owner import owner, pending

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status, command_for
from kostack.analyze.messages import localize
from kostack_testkit.builders import Doc, build
from kostack_testkit.metallb import metallb_doc

RUNS = {
    "found": True,
    "namespace": "kube-system",
    "pod": "occm-ds-x1",
    "workload": "daemonset/occm-ds",
    "service_controller": True,
}
DISABLED = dict(
    RUNS, load_balancer_enabled=False, cloud_config="kube-system/cloud-config cloud.conf"
)
ABSENT = {"found": False}
CLASS = "metallb.io/metallb"


def doc_with(
    lb_class: str | None,
    occm: dict[str, Any] | None,
    *,
    speaker: str | None = None,
    metallb: bool = True,
    **web: Any,
) -> Doc:
    doc = metallb_doc()
    vips = doc["cluster"]["virtual_ips"]
    if metallb:
        vips["metallb"]["controller"] = {"lb_class": lb_class}
        if speaker is not None:
            vips["metallb"]["speaker"] = {"namespace": "metallb-system", "lb_class": speaker}
    else:
        del vips["metallb"]
    if occm is not None:
        vips["occm"] = occm
    svc = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    svc.update(web)
    return doc


def initialised(doc: Doc, value: bool, labelled: bool = True) -> Doc:
    """Nodes tainted uninitialized or not; ``labelled``: with the instance-type label a cloud
    node controller sets from the instance's metadata (OCCM: the server's flavor)."""
    for node in doc["cluster"]["nodes"]:
        node["uninitialized"] = not value
        if labelled and value:
            node.setdefault("labels", {})["node.kubernetes.io/instance-type"] = "m1.large"
    return doc


def both(f: Finding) -> tuple[str, str]:
    en, ko = localize(f.message, "en"), localize(f.message, "ko")
    assert "{" not in en and "{" not in ko
    return en, ko


# ---------------------------------------------------------------- 1. the speaker's class


def test_speaker_of_another_class_than_the_controller_fails_with_both_args() -> None:
    doc = doc_with("", ABSENT, speaker=CLASS)  # web: no class, address 10.0.0.201
    found = [f for f in pending(doc) if f.cause == "metallb-class-mismatch"]
    assert [f.status for f in found] == [Status.FAIL]
    evidence = " ".join(found[0].evidence)
    assert f"metallb --lb-class: controller='' speaker='{CLASS}'" in evidence
    assert "10.0.0.201" in evidence
    assert [a.name for a in found[0].affected] == ["web"]
    en, ko = both(found[0])
    assert "Services without a loadBalancerClass" in en and CLASS in en and "shop/web" in en
    assert CLASS in ko and "speaker" in ko


def test_the_other_way_round_and_no_service_of_that_class() -> None:
    # controller takes the class, speaker the classless: a Service of the class is unannounced
    doc = doc_with(CLASS, ABSENT, speaker="", load_balancer_class=CLASS)
    found = [f for f in pending(doc) if f.cause == "metallb-class-mismatch"]
    assert len(found) == 1 and f"the Services of class {CLASS}" in both(found[0])[0]
    # nothing of the controller's class holds an address: nothing to say
    doc = doc_with(CLASS, ABSENT, speaker="")
    assert not [f for f in pending(doc) if f.cause == "metallb-class-mismatch"]


def test_speaker_and_controller_of_one_class_or_unread_say_nothing() -> None:
    for speaker in ("", None):
        doc = doc_with("", ABSENT, speaker=speaker)
        assert not [f for f in pending(doc) if f.cause == "metallb-class-mismatch"]
    doc = metallb_doc()
    doc["cluster"]["virtual_ips"]["metallb"]["speaker"] = {"lb_class": None}
    assert not [f for f in pending(doc) if f.cause == "metallb-class-mismatch"]


# ---------------------------------------------------------------- 2. OCCM outside


def test_no_occm_pod_but_initialised_openstack_nodes_is_unknown_not_no_controller() -> None:
    doc = initialised(doc_with(CLASS, ABSENT, load_balancer_ingress=[]), True)
    assert owner(doc) == "unknown"
    found = pending(doc)
    assert [f.status for f in found] == [Status.UNKNOWN]
    en, _ = both(found[0])
    assert "outside the cluster" in en
    assert any("openstack://" in e and "uninitialized" in e for e in found[0].evidence)
    # a node still tainted: no cloud node controller acted; nothing says OCCM runs anywhere
    doc = initialised(doc_with(CLASS, ABSENT, load_balancer_ingress=[]), False)
    assert owner(doc) == "none"
    assert [f.cause for f in pending(doc)] == ["lb-no-controller"]


def test_without_metallb_no_event_and_occm_outside_is_unknown() -> None:
    doc = doc_with(
        None, ABSENT, metallb=False, load_balancer_ingress=[], created="2020-01-01T00:00:00Z"
    )
    failed = [f for f in pending(doc) if f.status == Status.FAIL]
    assert [f.cause for f in failed] == ["lb-no-controller"]
    assert failed[0].remedies, "lb-no-controller carries its Fix"
    doc = initialised(doc, True)
    found = [f for f in pending(doc) if f.resource.name == "web"]
    assert [f.status for f in found] == [Status.UNKNOWN]
    assert "outside the cluster" in both(found[0])[0]


# ---------------------------------------------------------------- 3. [LoadBalancer] enabled


def test_occm_with_load_balancers_disabled_takes_no_service() -> None:
    doc = doc_with(CLASS, DISABLED, load_balancer_ingress=[])
    assert owner(doc) == "none"
    found = pending(doc)
    assert [f.cause for f in found] == ["lb-no-controller"]
    en, ko = both(found[0])
    assert "enabled = false" in en and "kube-system/cloud-config" in en
    assert "enabled = false" in ko
    assert any("enabled: false" in e for e in found[0].evidence)
    # without MetalLB too: nobody else takes it
    doc = doc_with(None, DISABLED, metallb=False, load_balancer_ingress=[])
    assert owner(doc) == "none"
    found = pending(doc)
    assert [f.cause for f in found] == ["lb-no-controller"]
    assert "enabled = false" in both(found[0])[0]
    # enabled (or not read): OCCM's, as before
    for enabled in (True, None):
        doc = doc_with(None, dict(RUNS, load_balancer_enabled=enabled), metallb=False)
        assert owner(doc) == "occm"


# ---------------------------------------------------------------- 4. the Fix


def commands(f: Finding) -> list[list[str]]:
    return [shlex.split(command_for(r)) for r in f.remedies]


def test_no_controller_fix_recreates_with_the_class_and_turns_occm_on() -> None:
    doc = doc_with(CLASS, dict(RUNS, service_controller=False), load_balancer_ingress=[])
    (found,) = pending(doc)
    argv = commands(found)
    recreate = " ".join(argv[0])
    assert "kubectl -n shop get service web -o yaml | kubectl patch --local" in recreate
    assert '{"spec":{"loadBalancerClass":"metallb.io/metallb"}}' in argv[0]
    assert recreate.endswith("kubectl replace --force -f -")
    assert argv[1] == ["kubectl", "-n", "kube-system", "edit", "daemonset/occm-ds"]
    for r in found.remedies:
        assert r.op == "manual" and r.cause == "lb-no-controller"
        assert "{" not in localize(r.reason, "ko") and localize(r.reason, "ko") != localize(
            r.reason, "en"
        )


def test_the_ways_to_fix_are_said_as_ways_not_as_steps_to_run_in_turn() -> None:
    """Recreating the Service with MetalLB's class and turning OCCM's load balancers on are two
    ways: each is said above its first command (the config fix's three steps only once), in the
    text and the incident report, in both languages; it printed the commands one after another,
    as if to paste them all."""
    from kostack.report.text import render_diagnosis

    (found,) = pending(doc_with(CLASS, DISABLED, load_balancer_ingress=[]))
    choices = [r.param("choice") for r in found.remedies]
    assert choices == ["one", "another", "", ""], choices
    d = diagnose(build(doc_with(CLASS, DISABLED, load_balancer_ingress=[])))
    for lang, one, another in [
        ("en", "# one way: recreate Service shop/web", "# another way: write OCCM's cloud.conf"),
        (
            "ko",
            "# 한 가지 방법: Service shop/web을",
            "# 다른 방법: Secret kube-system/cloud-config의",
        ),
    ]:
        text = render_diagnosis(d, lang=lang)
        lines = [line.strip() for line in text.splitlines()]
        i = next(n for n, line in enumerate(lines) if line.startswith(one))
        assert lines[i + 1].startswith("kubectl -n shop get service web -o yaml"), lines[i : i + 2]
        assert lines[i + 2].startswith(another), lines[i : i + 4]
        assert lines[i + 3].startswith("kubectl -n kube-system get secret cloud-config"), lines
        assert sum(line.startswith("#") for line in lines[i : i + 6]) == 2, lines[i : i + 6]
    (alone,) = pending(doc_with(None, DISABLED, load_balancer_ingress=[]))
    assert not [r for r in alone.remedies if r.param("choice")]  # one way: no "one way"


def test_disabled_fix_edits_the_secret_and_restarts_and_absent_fix_installs() -> None:
    (found,) = pending(doc_with(CLASS, DISABLED, load_balancer_ingress=[]))
    texts = [command_for(r) for r in found.remedies[1:]]
    assert texts[0].startswith("kubectl -n kube-system get secret cloud-config -o ")
    assert "base64 -d > cloud.conf" in texts[0]
    assert "--from-file=cloud.conf=cloud.conf" in texts[1] and "kubectl apply -f -" in texts[1]
    assert texts[2] == "kubectl -n kube-system rollout restart daemonset/occm-ds"
    (found,) = pending(doc_with(CLASS, ABSENT, load_balancer_ingress=[]))
    install = command_for(found.remedies[-1])
    assert "helm upgrade --install openstack-ccm cpo/openstack-cloud-controller-manager" in install


# ---------------------------------------------------------------- 5. other controllers


def test_servicelb_and_kube_vip_cloud_provider_own_what_nobody_else_takes() -> None:
    pending_web = {"load_balancer_ingress": []}
    doc = doc_with(None, ABSENT, metallb=False, created="2020-01-01T00:00:00Z", **pending_web)
    assert [f.cause for f in pending(doc) if f.status == Status.FAIL] == ["lb-no-controller"]
    svclb = {"kind": "servicelb", "namespace": "kube-system", "pod": "svclb-web-1a2b3-x9z8y"}
    doc["cluster"]["virtual_ips"]["lb_controllers"] = [dict(svclb, services=["shop/web"])]
    assert owner(doc) == "other"
    assert not [f for f in pending(doc) if f.status == Status.FAIL]
    # ServiceLB serving another Service says nothing of this one
    doc["cluster"]["virtual_ips"]["lb_controllers"] = [dict(svclb, services=["shop/api"])]
    assert owner(doc) == "occm"
    kvcp = {"kind": "kube-vip-cloud-provider", "namespace": "kube-system", "pod": "kvcp-1"}
    doc["cluster"]["virtual_ips"]["lb_controllers"] = [kvcp]
    assert owner(doc) == "other"
    # class-only: it does not take this one
    doc["cluster"]["virtual_ips"]["lb_controllers"] = [
        dict(kvcp, lb_class="kube-vip.io/kube-vip-class")
    ]
    assert owner(doc) == "occm"
    # with OCCM running, OCCM's as before
    doc = doc_with(None, RUNS, metallb=False, **pending_web)
    doc["cluster"]["virtual_ips"]["lb_controllers"] = [kvcp]
    assert owner(doc) == "occm"


def test_the_plan_says_each_way_is_one_of_several_and_its_file_reads_back() -> None:
    """The plan's manual steps for the two ways each carry the note (en and ko), and the plan
    file written in Korean reads back with it (plan/codec.py)."""
    from kostack.analyze.messages import Msg
    from kostack.plan.build import build_plan
    from kostack.plan.codec import plan_from_dict, plan_to_dict

    plan = build_plan(build(doc_with(CLASS, DISABLED, load_balancer_ingress=[])))
    noted = [a.id for a in plan.actions if Msg("plan.note.one-way") in a.notes]
    manual = [a for a in plan.actions if a.operation.value == "manual"]
    assert len(noted) == 2 and len(manual) == 4, [(a.id, a.notes) for a in manual]
    assert noted == [manual[0].id, manual[1].id]  # the class's way, then the config's first step
    for lang in ("en", "ko"):
        again = plan_from_dict(plan_to_dict(plan, lang=lang))
        assert [a.id for a in again.actions if Msg("plan.note.one-way") in a.notes] == noted
    assert "하나를 고르세요" in localize(Msg("plan.note.one-way"), "ko")


def test_the_verification_says_one_of_the_ways_not_every_step() -> None:
    """Under a cause that remains, the plan named its manual steps 'until you run manual step
    a1, a2, a3, a4', which reads as all of them though they are two ways (choose one): it now
    says 'one of manual steps a1, a2+a3+a4' (a way of three steps joined), in en and ko; one
    way alone keeps 'manual step ...'."""
    from kostack.plan.build import build_plan
    from kostack.report.fixplan import render_plan

    plan = build_plan(build(doc_with(CLASS, DISABLED, load_balancer_ingress=[])))
    manual = [a.id for a in plan.actions if a.operation.value == "manual"]
    ways = f"{manual[0]}, {'+'.join(manual[1:])}"
    en = render_plan(plan)
    assert f"until you run one of manual steps {ways} (they are ways" in en, en
    assert "until you run manual step" not in en
    ko = render_plan(plan, lang="ko")
    assert f"수동 단계 {ways} 중 하나를 실행하기 전까지" in ko, ko
    old = {"load_balancer_ingress": [], "created": "2020-01-01T00:00:00Z"}
    alone = render_plan(build_plan(build(doc_with(None, DISABLED, metallb=False, **old))))
    assert "until you run manual step a1, a2, a3 (kostack" in alone, alone
    assert "one of manual steps" not in alone


def test_occm_run_by_a_deployment_is_edited_as_one_and_an_unknown_owner_is_found_first() -> None:
    """OCCM's workload comes from its pod's ownerReferences (collect/_occm.py): a Deployment's
    is edited as a Deployment. Not known (a ReplicaSet of its own, a static pod, an older
    snapshot): the Fix first prints the command that shows the pod's owner, then edits or
    restarts KIND/NAME, never a DaemonSet guessed from the pod's name."""
    deployment = dict(RUNS, service_controller=False, workload="deployment/occm")
    (found,) = pending(doc_with(CLASS, deployment, load_balancer_ingress=[]))
    assert commands(found)[1] == ["kubectl", "-n", "kube-system", "edit", "deployment/occm"]
    assert found.remedies[1].target_kind == "deployment"
    unknown = dict(RUNS, service_controller=False, workload=None)
    (found,) = pending(doc_with(CLASS, unknown, load_balancer_ingress=[]))
    find, edit = commands(found)[1:]
    assert find[:6] == ["kubectl", "-n", "kube-system", "get", "pod", "occm-ds-x1"]
    assert "ownerReferences" in find[-1] and "daemonset" not in " ".join(find)
    assert edit == ["kubectl", "-n", "kube-system", "edit", "KIND/NAME"]
    assert [r.param("choice") for r in found.remedies] == ["one", "another", ""]
    for r in found.remedies[1:]:
        en, ko = localize(r.reason, "en"), localize(r.reason, "ko")
        assert "{" not in en + ko and en != ko
    disabled = dict(DISABLED, workload=None)
    (found,) = pending(doc_with(CLASS, disabled, load_balancer_ingress=[]))
    texts = [command_for(r) for r in found.remedies]
    assert "get pod occm-ds-x1" in texts[1]
    assert texts[-1] == "kubectl -n kube-system rollout restart KIND/NAME"
    assert not any("daemonset" in t for t in texts)


def test_the_class_mismatch_carries_its_patch_and_unknown_places_none() -> None:
    """metallb-class-mismatch had no command: it carries the JSON patch of the speaker's
    DaemonSet (and the chart's value when Helm installed it, tests/collect_k8s); where the flag
    is written not known, no patch is guessed."""
    doc = doc_with("", ABSENT, speaker=CLASS)
    speaker = doc["cluster"]["virtual_ips"]["metallb"]["speaker"]
    speaker.update(
        workload="daemonset/speaker",
        lb_class_at={"container": 0, "index": 1, "words": [f"--lb-class={CLASS}"]},
    )
    (found,) = [f for f in pending(doc) if f.cause == "metallb-class-mismatch"]
    (cmd,) = commands(found)
    assert cmd[:5] == ["kubectl", "-n", "metallb-system", "patch", "daemonset/speaker"]
    assert '"op":"test","path":"/spec/template/spec/containers/0/args/1"' in cmd[-1]
    assert '"op":"add"' not in cmd[-1]  # the controller's class is none: the flag goes
    speaker.pop("lb_class_at")
    (found,) = [f for f in pending(doc) if f.cause == "metallb-class-mismatch"]
    assert found.remedies == ()


def test_a_provider_id_kubelet_gave_is_no_cloud_controller() -> None:
    """Nodes with an openstack:// providerID and no uninitialized taint counted as initialised
    by a cloud controller (so OCCM maybe outside: UNKNOWN), though kubelet's --provider-id gives
    that providerID and, without --cloud-provider=external, no taint is ever set. The cloud node
    controller also labels the node from the instance's metadata (instance type, region, zone):
    without such a label nothing shows a cloud controller, and lb-no-controller says why."""
    doc = initialised(doc_with(CLASS, ABSENT, load_balancer_ingress=[]), True, labelled=False)
    assert all(n.get("provider_id", "").startswith("openstack://") for n in doc["cluster"]["nodes"])
    assert owner(doc) == "none"
    (found,) = pending(doc)
    assert found.cause == "lb-no-controller"
    assert any("kubelet's --provider-id gave it" in e for e in found.evidence), found.evidence
    # a region label alone (OCCM's region) is the cloud node controller's mark too
    for node in doc["cluster"]["nodes"]:
        node["labels"] = {**node.get("labels", {}), "topology.kubernetes.io/region": "RegionOne"}
    assert owner(doc) == "unknown"


@pytest.mark.parametrize(
    ("servicelb", "owned", "status", "cause"),
    [
        ("on", "other", None, None),
        ("off", "occm", Status.FAIL, "lb-no-controller"),
        ("unknown", "unknown", Status.UNKNOWN, ""),
        (None, "occm", Status.FAIL, "lb-no-controller"),
    ],
)
def test_servicelb_before_its_pods_owns_what_nobody_else_takes(
    servicelb: str | None, owned: str, status: Status | None, cause: str | None
) -> None:
    """On k3s, a pending Service without a class is ServiceLB's before any svclb pod exists
    (the server's flags do not disable it); disabled, nobody takes it as before; flags not
    readable: UNKNOWN, not 'no controller'."""
    doc = doc_with(
        None, ABSENT, metallb=False, load_balancer_ingress=[], created="2020-01-01T00:00:00Z"
    )
    doc["cluster"]["virtual_ips"]["servicelb"] = servicelb
    assert owner(doc) == owned
    found = [f for f in pending(doc) if f.resource.name == "web" and f.status != Status.PASS]
    assert [f.status for f in found] == ([status] if status else [])
    assert [f.cause for f in found] == ([cause] if status else [])
    if status == Status.UNKNOWN:
        en, ko = both(found[0])
        assert "--disable servicelb" in en and "--disable servicelb" in ko
    # OCCM running takes it, as with kube-vip-cloud-provider
    doc["cluster"]["virtual_ips"]["occm"] = RUNS
    assert owner(doc) == "occm"


def test_merged_pending_services_join_each_way_across_services() -> None:
    """Three pending Services merged into one lb-no-controller cause, each with its class-fix
    step: the line offered 'one of a5, a6+a7+a8, a9, a10', as if one Service's class fix were
    enough. The real choices are OCCM's three steps, or the three class fixes together: 'one of
    a5+a9+a10, a6+a7+a8' (en, ko), and the line hangs under itself (it was laid out as a label)."""
    import copy

    from kostack.plan.build import build_plan
    from kostack.report.fixplan import render_plan

    doc = doc_with(CLASS, DISABLED, load_balancer_ingress=[])
    services = doc["cluster"]["services"]
    web = next(s for s in services if s["name"] == "web")
    services.extend(dict(copy.deepcopy(web), name=n) for n in ("web2", "web3"))
    plan = build_plan(build(doc))
    manual = [a for a in plan.actions if a.operation.value == "manual"]
    by_what = {a.target.id.split("/")[1]: a.id for a in manual if a.target.kind == "service"}
    assert sorted(by_what) == ["web", "web2", "web3"], [a.target for a in manual]
    occm = [a.id for a in manual if a.target.kind != "service"]
    assert len(occm) == 3
    classes = "+".join(by_what[n] for n in ("web", "web2", "web3"))
    ways = ", ".join(sorted([classes, "+".join(occm)], key=lambda w: int(w.split("+")[0][1:])))
    en = render_plan(plan)
    assert f"until you run one of manual steps {ways} (they are ways" in en, en
    line = next(x for x in en.splitlines() if "until you run one of" in x)
    follow = en.splitlines()[en.splitlines().index(line) + 1]
    assert follow.startswith("             ") and len(follow.split()) > 2, (line, follow)
    ko = render_plan(plan, lang="ko")
    assert f"수동 단계 {ways} 중 하나를 실행하기 전까지" in ko, ko


def test_the_fix_list_says_a_further_services_step_is_the_same_way() -> None:
    """In the merged cause's Fix list each further Service's class fix was headed '# one way:'
    again, a third and fourth way; it is now '# the same way, this too:' (en, ko), and only the
    first step of each way says 'one way' / 'another way'."""
    import copy

    from kostack.report.verdict_text import commands

    doc = doc_with(CLASS, DISABLED, load_balancer_ingress=[])
    services = doc["cluster"]["services"]
    web = next(s for s in services if s["name"] == "web")
    services.extend(dict(copy.deepcopy(web), name=n) for n in ("web2", "web3"))
    (rc,) = [r for r in diagnose(build(doc)).root_causes if r.key == "lb-no-controller"]
    en = [x.strip() for x in commands(rc.fix.remedies, "en", True) if x.strip().startswith("#")]
    heads = [x.split(":")[0] for x in en]
    assert heads == [
        "# one way",
        "# another way",
        "# the same way, this too",
        "# the same way, this too",
    ], en
    assert "shop/web2" in en[2] and "shop/web3" in en[3]
    ko = [x.strip() for x in commands(rc.fix.remedies, "ko", True) if x.strip().startswith("#")]
    assert [x.split(":")[0] for x in ko][2:] == ["# 같은 방법, 이것도 함께"] * 2, ko
