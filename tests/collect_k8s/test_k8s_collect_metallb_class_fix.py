"""The Fix of metallb-class-mismatch (analyze/checks/_metallb_class_fix.py): a speaker run with
another --lb-class than its controller. It had no command; now the Helm chart's
loadBalancerClass (when the pods name a Helm release) and a JSON patch of the speaker's
DaemonSet, read from what the collector keeps (where the flag is written, the workload from the
pod's ownerReferences), and applied here to the DaemonSet the double serves with an RFC 6902
implementation of its own (jsonpatch): the patched template's speaker takes the controller's
class, and a template changed since the read is refused by the patch's tests."""

from __future__ import annotations

import copy
import shlex
from typing import Any

import jsonpatch
import pytest
from k8s_collect_served import ServeFn

from kostack.analyze.findings import command_for
from kostack.analyze.messages import localize
from kostack.collect._metallb_speaker import parse_speaker
from kostack_testkit.k8s_fixture_kubeovn import kube_ovn_cluster
from kostack_testkit.k8s_fixture_metallb import metallb_objects
from kostack_testkit.k8s_fixture_objects import make_nodes

CLASS = "metallb.io/metallb"


def _cluster(speaker: list[str], controller: list[str], helm: bool) -> list[dict[str, Any]]:
    nodes = make_nodes()
    extra = metallb_objects(
        nodes, helm_labels=helm, speaker_args=speaker, controller_args=controller
    )
    return kube_ovn_cluster(nodes=nodes, extra=extra)


def _speaker_set(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return next(
        o for o in objects if o["kind"] == "DaemonSet" and o["metadata"]["name"] == "speaker"
    )


def _patched_class(daemonset: dict[str, Any], patch: str) -> str | None:
    changed = jsonpatch.apply_patch(copy.deepcopy(daemonset), patch)
    pod = {
        "metadata": {"name": "s", "namespace": "metallb-system"},
        "spec": changed["spec"]["template"]["spec"],
    }
    said = parse_speaker(pod)
    assert said is not None
    return said.lb_class


@pytest.mark.parametrize(
    ("speaker", "controller", "want"),
    [
        (["--lb-class", CLASS], [], ""),  # two words, removed
        ([f"--lb-class={CLASS}"], [], ""),
        ([], [f"--lb-class={CLASS}"], CLASS),  # none on the speaker: added
        (["--lb-class=other"], [f"--lb-class={CLASS}"], CLASS),  # replaced
    ],
)
def test_the_patch_gives_the_speaker_the_controllers_class(
    serve: ServeFn, speaker: list[str], controller: list[str], want: str
) -> None:
    objects = _cluster(speaker, controller, helm=False)
    collection = serve(objects).collect()
    metallb = collection.cluster.virtual_ips.metallb
    assert metallb is not None and metallb.speaker is not None and metallb.controller is not None
    assert metallb.speaker.workload == "daemonset/speaker"
    assert metallb.controller.workload == "deployment/controller"
    assert metallb.helm_release is None
    from kostack.analyze.checks._metallb_class_fix import mismatch_fix

    (patch,) = mismatch_fix(metallb)  # no Helm release: one way
    argv = shlex.split(command_for(patch))
    assert argv[:6] == ["kubectl", "-n", "metallb-system", "patch", "daemonset/speaker", "--type"]
    daemonset = _speaker_set(objects)
    assert _patched_class(daemonset, argv[-1]) == want
    # the template changed since it was read (another argument before the flag): refused
    if metallb.speaker.lb_class_at is not None and metallb.speaker.lb_class_at.index is not None:
        moved = copy.deepcopy(daemonset)
        moved["spec"]["template"]["spec"]["containers"][0]["args"].insert(0, "--x=1")
        with pytest.raises(jsonpatch.JsonPatchTestFailed):
            jsonpatch.apply_patch(moved, argv[-1])


def test_helm_installs_get_the_charts_value_as_one_way_then_the_patch(serve: ServeFn) -> None:
    from kostack.analyze.checks._metallb_class_fix import mismatch_fix

    objects = _cluster([f"--lb-class={CLASS}"], [], helm=True)
    metallb = serve(objects).collect().cluster.virtual_ips.metallb
    assert metallb is not None and metallb.helm_release == "metallb"
    remedies = mismatch_fix(metallb)
    helm, patch = (command_for(r) for r in remedies)
    assert helm.startswith("helm repo add metallb https://metallb.github.io/metallb && ")
    assert "helm upgrade metallb metallb/metallb -n metallb-system --reuse-values" in helm
    assert helm.endswith("--version 0.14.9 --set-string loadBalancerClass=")
    assert _patched_class(_speaker_set(objects), shlex.split(patch)[-1]) == ""
    assert [r.param("choice") for r in remedies] == ["one", "another"]
    for r in remedies:
        en, ko = localize(r.reason, "en"), localize(r.reason, "ko")
        assert "{" not in en + ko and en != ko and r.cause == "metallb-class-mismatch"
