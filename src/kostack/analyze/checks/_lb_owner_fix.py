"""The Fix of ``lb-no-controller``: the commands that give a Service nobody takes a controller,
each quoted and said with its reason in English and Korean (docs/loadbalancer.md "Who owns a
Service").

- MetalLB takes only a class: recreate the Service with that class (``spec.loadBalancerClass``
  cannot be set on an existing Service of type LoadBalancer, kubernetes ValidateServiceUpdate:
  ``kubectl replace --force`` deletes and creates it);
- OCCM runs without its service controller: its DaemonSet's ``--controllers``;
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


def _workload(occm: CloudController) -> tuple[str, str]:
    """(namespace, DaemonSet) of OCCM's pod: a DaemonSet's pod is named ``<name>-<suffix>``."""
    pod = occm.pod or "openstack-cloud-controller-manager-x"
    return occm.namespace or "kube-system", pod.rsplit("-", 1)[0]


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
    namespace, name = _workload(occm)
    workload = f"daemonset/{name}"
    if occm.load_balancer_enabled is False:
        return _config_fix(occm, namespace, workload)
    edit = render(("kubectl", "-n", namespace, "edit", workload))
    reason = Msg(f"{ID}.fix-controllers", workload=f"{namespace}/{workload}")
    return (_manual("daemonset", f"{namespace}/{name}", edit, reason),)


def _config_fix(occm: CloudController, namespace: str, workload: str) -> tuple[Remedy, ...]:
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
    restart = render(("kubectl", "-n", namespace, "rollout", "restart", workload))
    name = f"{secret_ns}/{secret}"
    return (
        _manual("secret", name, fetch, Msg(f"{ID}.fix-get-config", secret=name)),
        _manual("secret", name, put, Msg(f"{ID}.fix-put-config", secret=name)),
        _manual("daemonset", f"{namespace}/{workload}", restart, Msg(f"{ID}.fix-restart")),
    )
