"""The Fix of ``lb-no-controller``: the commands that give a Service nobody takes a controller,
each quoted and said with its reason in English and Korean (docs/loadbalancer.md "Who owns a
Service").

- MetalLB takes only a class: recreate the Service with that class (``spec.loadBalancerClass``
  cannot be set on an existing Service of type LoadBalancer, kubernetes ValidateServiceUpdate:
  ``kubectl replace --force`` deletes and creates it);
- OCCM runs without its service controller: its workload's ``--controllers`` (the DaemonSet,
  Deployment or StatefulSet its pod's ownerReferences name, collect/_occm.py; not known: the
  command that shows it, then the edit of what it shows);
- OCCM's cloud.conf says ``[LoadBalancer] enabled = false``: its Secret, then a restart;
- no OCCM: cloud-provider-openstack's Helm chart (charts/openstack-cloud-controller-manager
  README).
"""

from __future__ import annotations

import json
from typing import Final

from kostack.analyze.findings import Remedy
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import CloudController, Service
from kostack.shell import command, render

ID: Final = "lb-pending-service"
CAUSE: Final = "lb-no-controller"
CHART: Final = "cpo/openstack-cloud-controller-manager"
CHART_REPO: Final = "https://kubernetes.github.io/cloud-provider-openstack"

register(
    {
        f"{ID}.fix-class": {
            "en": "recreate Service {svc} with spec.loadBalancerClass {lb_class}, the class "
            "MetalLB takes (the field is set only when a Service is created)",
            "ko": "Service {svc:을/를} MetalLB가 맡는 class인 spec.loadBalancerClass "
            "{lb_class:으로/로} 다시 만드세요(이 필드는 Service를 만들 때만 정할 수 있습니다)",
        },
        f"{ID}.fix-controllers": {
            "en": "in {workload}, remove -service (or -service-lb-controller) from "
            "--controllers, or add service to it, so OCCM runs its service controller",
            "ko": "{workload}에서 --controllers의 -service(또는 -service-lb-controller)를 "
            "지우거나 service를 넣어 OCCM이 service 컨트롤러를 실행하게 하세요",
        },
        f"{ID}.fix-get-config": {
            "en": "write OCCM's cloud.conf from Secret {secret} to the file cloud.conf (it holds "
            "credentials: delete the file afterwards), and set enabled = true under "
            "[LoadBalancer] in it",
            "ko": "Secret {secret}의 OCCM cloud.conf를 cloud.conf 파일로 꺼낸 뒤(자격 증명이 "
            "들어 있으니 끝나면 파일을 지우세요) [LoadBalancer] 아래 enabled = true로 바꾸세요",
        },
        f"{ID}.fix-put-config": {
            "en": "put the edited cloud.conf back into Secret {secret}",
            "ko": "고친 cloud.conf를 Secret {secret}에 다시 넣으세요",
        },
        f"{ID}.fix-find-owner": {
            "en": "find the workload that runs OCCM's pod {pod} (kostack could not tell it from "
            "the pod's ownerReferences; a ReplicaSet/<deployment>-<hash> is Deployment "
            "<deployment>'s): KIND/NAME in the next command",
            "ko": "OCCM 파드 {pod:을/를} 실행하는 워크로드를 찾으세요(kostack이 파드의 "
            "ownerReferences로 알 수 없었음; ReplicaSet/<deployment>-<hash>는 Deployment "
            "<deployment>의 것): 다음 명령의 KIND/NAME입니다",
        },
        f"{ID}.fix-controllers-found": {
            "en": "in that workload, remove -service (or -service-lb-controller) from "
            "--controllers, or add service to it, so OCCM runs its service controller",
            "ko": "그 워크로드에서 --controllers의 -service(또는 -service-lb-controller)를 "
            "지우거나 service를 넣어 OCCM이 service 컨트롤러를 실행하게 하세요",
        },
        f"{ID}.fix-restart": {
            "en": "restart OCCM so it reads its cloud.conf again",
            "ko": "OCCM이 cloud.conf를 다시 읽도록 재시작하세요",
        },
        f"{ID}.fix-install": {
            "en": "install OCCM with cloud-provider-openstack's Helm chart (openstack-ccm.yaml: "
            "your cloudConfig, as the chart's README says)",
            "ko": "cloud-provider-openstack의 Helm 차트로 OCCM을 설치하세요(openstack-ccm.yaml: "
            "차트 README대로 cloudConfig를 채움)",
        },
    }
)


def _manual(kind: str, target: str, cmd: str, reason: Msg) -> Remedy:
    return Remedy("manual", kind, target, target, (("command", cmd),), reason, CAUSE)


def _find_owner(occm: CloudController, namespace: str) -> Remedy:
    """The workload is not known (collect/_occm.py ``workload``): the command that shows what
    runs OCCM's pod, never a guess from its name."""
    pod = occm.pod or "openstack-cloud-controller-manager"
    jsonpath = "jsonpath={range .metadata.ownerReferences[*]}{.kind}/{.name}{'\\n'}{end}"
    cmd = render(("kubectl", "-n", namespace, "get", "pod", pod, "-o", jsonpath))
    return _manual("pod", f"{namespace}/{pod}", cmd, Msg(f"{ID}.fix-find-owner", pod=pod))


def class_fix(svc: Service, lb_class: str) -> tuple[Remedy, ...]:
    """``kubectl get`` the Service, give it the class locally, ``replace --force`` it."""
    where = ("kubectl", "-n", svc.namespace)
    get = command((*where, "get", "service"), (svc.name,), ("-o", "yaml"))
    patch = '{"spec":{"loadBalancerClass":' + json.dumps(lb_class) + "}}"
    local = ("kubectl", "patch", "--local", "-f", "-", "--type", "merge", "-p", patch, "-o", "yaml")
    replace = ("kubectl", "replace", "--force", "-f", "-")
    cmd = " | ".join(render(c) for c in (get, local, replace))
    key = f"{svc.namespace}/{svc.name}"
    return (_manual("service", key, cmd, Msg(f"{ID}.fix-class", svc=key, lb_class=lb_class)),)


def occm_fix(occm: CloudController | None) -> tuple[Remedy, ...]:
    """What turns OCCM's load balancers on, or installs OCCM when no pod runs it."""
    if occm is None or not occm.found:
        add = ("helm", "repo", "add", "cpo", CHART_REPO)
        install = (
            *("helm", "upgrade", "--install", "openstack-ccm", CHART),
            *("-n", "kube-system", "--values", "openstack-ccm.yaml"),
        )
        cmd = " && ".join(render(c) for c in (add, install))
        return (_manual("cluster", "openstack-ccm", cmd, Msg(f"{ID}.fix-install")),)
    namespace = occm.namespace or "kube-system"
    workload = occm.workload
    find = () if workload else (_find_owner(occm, namespace),)
    if occm.load_balancer_enabled is False:
        return (*find, *_config_fix(occm, namespace, workload))
    if not workload:
        return (*find, _edit_found(namespace))
    kind, _, name = workload.partition("/")
    edit = render(("kubectl", "-n", namespace, "edit", workload))
    reason = Msg(f"{ID}.fix-controllers", workload=f"{namespace}/{workload}")
    return (_manual(kind, f"{namespace}/{name}", edit, reason),)


def _edit_found(namespace: str) -> Remedy:
    """Edit the workload the command before found (KIND/NAME as it printed it)."""
    edit = render(("kubectl", "-n", namespace, "edit", "KIND/NAME"))
    reason = Msg(f"{ID}.fix-controllers-found")
    return _manual("workload", f"{namespace}/KIND/NAME", edit, reason)


def _config_fix(occm: CloudController, namespace: str, workload: str | None) -> tuple[Remedy, ...]:
    where, _, key = (occm.cloud_config or f"{namespace}/cloud-config cloud.conf").partition(" ")
    secret_ns, _, secret = where.partition("/")
    jsonpath = "jsonpath={.data." + key.replace(".", "\\.") + "}"
    get = ("kubectl", "-n", secret_ns, "get", "secret", secret, "-o", jsonpath)
    fetch = f"{render(get)} | {render(('base64', '-d'), stdout='cloud.conf')}"
    create = (
        *("kubectl", "-n", secret_ns, "create", "secret", "generic", secret),
        *(f"--from-file={key}=cloud.conf", "--dry-run=client", "-o", "yaml"),
    )
    put = f"{render(create)} | {render(('kubectl', 'apply', '-f', '-'))}"
    target = workload or "KIND/NAME"  # the command before found it
    restart = render(command(("kubectl", "-n", namespace, "rollout", "restart"), (target,)))
    kind, _, name = target.partition("/")
    secret_name = f"{secret_ns}/{secret}"
    return (
        _manual("secret", secret_name, fetch, Msg(f"{ID}.fix-get-config", secret=secret_name)),
        _manual("secret", secret_name, put, Msg(f"{ID}.fix-put-config", secret=secret_name)),
        _manual(
            kind.lower() if workload else "workload",
            f"{namespace}/{name}",
            restart,
            Msg(f"{ID}.fix-restart"),
        ),
    )
