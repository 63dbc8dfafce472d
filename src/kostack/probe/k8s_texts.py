"""What the in-cluster probe runners say when a step fails, in English and Korean.

The runners (kostack.probe.k8s_runner for `kostack probe` and `diagnose --active`,
kostack.probe.agents_runner for `kostack watch`'s agents) raise ProbeError with
these messages; a failed round becomes a gap (kostack.gap_words `probe.gap.failed`)
or a watch event that keeps them, so `--lang ko` says the whole failure in Korean.
"""

from __future__ import annotations

from kostack.catalog import register

register(
    {
        # the lab runner (kostack_lab.lab_runner): a source it could not probe from
        "probe.lab.missing-node": {
            "en": "node {node} of the snapshot is not in the lab",
            "ko": "스냅샷의 노드 {node:이/가} 랩에 없습니다",
        },
        "probe.lab.missing-pool": {
            "en": "node {node} in IP pool {pool} of the snapshot is not in the lab",
            "ko": "스냅샷의 IP 풀 {pool}에 속한 노드 {node:이/가} 랩에 없습니다",
        },
        "probe.lab.source": {"en": "{node}: {problem}", "ko": "{node}: {problem}"},
        "probe.lab.agent-exit": {
            "en": "the agent exited {code}: {tail}",
            "ko": "에이전트가 종료 코드 {code:으로/로} 끝났습니다: “{tail}”",
        },
        "probe.lab.agent-run": {
            "en": "could not run the agent in {netns}: {error}",
            "ko": "{netns}에서 에이전트를 실행할 수 없습니다: “{error}”",
        },
        # a Kubernetes call that failed: what it was doing, and the API's answer as it came
        "probe.k8s.failed": {"en": "{what} failed: {error}", "ko": "{what} 실패: {error}"},
        "probe.k8s.no-answer": {
            "en": "no answer within {seconds} s",
            "ko": "{seconds}초 안에 응답 없음",
        },
        "probe.k8s.namespace": {
            "en": "creating namespace {namespace}",
            "ko": "네임스페이스 {namespace} 만들기",
        },
        "probe.k8s.configmap": {
            "en": "creating ConfigMap {name}",
            "ko": "ConfigMap {name} 만들기",
        },
        "probe.k8s.echo-pod": {
            "en": "creating echo pod on node {node}",
            "ko": "노드 {node}에 에코 Pod 만들기",
        },
        "probe.k8s.probe-pod": {
            "en": "creating probe pod on node {node}",
            "ko": "노드 {node}에 점검 Pod 만들기",
        },
        "probe.k8s.list": {
            "en": "listing pods in {namespace}",
            "ko": "{namespace}의 Pod 목록 읽기",
        },
        "probe.k8s.hint.access": {
            "en": "Check that your kubeconfig user may create namespaces, ConfigMaps and pods.",
            "ko": "kubeconfig 사용자가 네임스페이스, ConfigMap, Pod를 만들 수 있는지 확인하세요.",
        },
        "probe.k8s.hint.forbidden": {
            "en": "kostack probe needs create/delete on namespaces, configmaps and pods, "
            "and get on pods/log.",
            "ko": "kostack probe에는 namespaces, configmaps, pods의 create/delete 권한과 "
            "pods/log의 get 권한이 필요합니다.",
        },
        "probe.k8s.echo-exited": {
            "en": "echo pod {pod} on node {node} exited ({phase})",
            "ko": "노드 {node}의 에코 Pod {pod:이/가} 끝났습니다 ({phase})",
        },
        "probe.k8s.hint.echo-exited": {
            "en": "check `{command}`; does the image have python3?",
            "ko": "{command:`으로/로} 확인하세요. 이미지에 python3이 있나요?",
        },
        "probe.k8s.waiting": {"en": "{pod} on {node}", "ko": "{node}의 {pod}"},
        "probe.k8s.not-started": {
            "en": "probe pods did not start within {seconds}s: {waiting}",
            "ko": "점검 Pod가 {seconds}초 안에 시작되지 않았습니다: {waiting}",
        },
        "probe.k8s.hint.not-started": {
            "en": "see `{command}`; on a slow registry raise the start timeout, "
            "in an air-gapped cluster give --image from your registry",
            "ko": "{command:`으로/로} 확인하세요. 레지스트리가 느리면 시작 제한 시간을 늘리고, "
            "폐쇄망 클러스터에서는 --image로 내부 레지스트리의 이미지를 주세요",
        },
        "probe.k8s.cannot-pull": {
            "en": "pod {pod} on node {node} cannot pull image {image} ({reason})",
            "ko": "노드 {node}의 Pod {pod:이/가} 이미지를 받지 못합니다: {image} ({reason})",
        },
        "probe.k8s.hint.cannot-pull": {
            "en": "give an image with python3 from a registry the nodes can reach: "
            "--image REGISTRY/python:3.12-alpine",
            "ko": "노드가 닿을 수 있는 레지스트리의 python3 이미지를 주세요: "
            "--image REGISTRY/python:3.12-alpine",
        },
        "probe.k8s.cannot-start": {
            "en": "pod {pod} on node {node} cannot start ({reason}: {message})",
            "ko": "노드 {node}의 Pod {pod:이/가} 시작하지 못합니다 ({reason}: {message})",
        },
        "probe.k8s.hint.cannot-start": {
            "en": "the image must have python3 on its PATH",
            "ko": "이미지의 PATH에 python3이 있어야 합니다",
        },
        "probe.k8s.log-failed": {
            "en": "reading the log of {pod} failed: {error}",
            "ko": "{pod}의 로그 읽기 실패: {error}",
        },
        "probe.k8s.hint.log": {
            "en": "kostack needs get on pods/log in its probe namespace",
            "ko": "kostack에는 점검 네임스페이스의 pods/log에 대한 get 권한이 필요합니다",
        },
        "probe.agent.timeout": {
            "en": "agent {agent} at {at} did not answer within {s} s",
            "ko": "{at}의 에이전트 {agent:이/가} {s}초 안에 응답하지 않았습니다",
        },
        "probe.agent.http": {
            "en": "agent {agent} answered HTTP {code}: {detail}",
            "ko": "에이전트 {agent:이/가} HTTP {code:으로/로} 응답했습니다: {detail}",
        },
        "probe.agent.unreachable": {
            "en": "cannot reach agent {agent} at {at}: {why}",
            "ko": "{at}의 에이전트 {agent}에 연결할 수 없습니다: {why}",
        },
        "probe.agent.too-big": {
            "en": "agent {agent} answered more than {mib} MiB: not a probe agent's report",
            "ko": "에이전트 {agent:이/가} {mib} MiB가 넘게 응답했습니다. 점검 에이전트의 보고가 아닙니다",
        },
        "probe.agent.missing": {
            "en": "no Ready probe agent on {n} source {n:node/nodes}: {nodes}",
            "ko": "출발 노드 {n}대에 Ready 상태인 점검 에이전트가 없습니다: {nodes}",
        },
        "probe.k8s.no-report": {
            "en": "pod {pod} did not report (log ended early)",
            "ko": "Pod {pod:이/가} 결과를 보고하지 않았습니다 (로그가 일찍 끝남)",
        },
        "probe.k8s.delete-failed": {
            "en": "deleting namespace {namespace}: {error}",
            "ko": "네임스페이스 {namespace} 삭제: {error}",
        },
        "probe.k8s.delete-in": {
            "en": "deleting {what} in {namespace}: {error}",
            "ko": "{namespace}의 {what} 삭제: {error}",
        },
        "probe.k8s.leftovers": {
            "en": "could not delete everything kostack created: {left}",
            "ko": "kostack이 만든 것을 모두 삭제하지 못했습니다: {left}",
        },
        "probe.k8s.hint.leftovers": {
            "en": "delete it by hand: `{command}`",
            "ko": "직접 삭제하세요: `{command}`",
        },
        # kostack watch's probe agents (kostack.probe.agents_runner)
        "probe.agents.token": {
            # the path in brackets: "…/token: No such file" read as a credential and was redacted
            "en": "cannot read the probe agents' token ({path}): {error}",
            "ko": "점검 에이전트의 토큰 {path:을/를} 읽을 수 없습니다: {error}",
        },
        "probe.agents.hint.token": {
            "en": "mount the Secret kostack-agent-token (deploy/) or pass --probe-token-file",
            "ko": "Secret kostack-agent-token을 마운트하거나(deploy/) --probe-token-file을 주세요",
        },
        "probe.agents.list": {
            "en": "listing the probe agents in {namespace} failed: {error}",
            "ko": "{namespace}의 점검 에이전트 목록 읽기 실패: {error}",
        },
        "probe.agents.hint.list": {
            "en": "kostack watch needs list on pods in the agents' namespace",
            "ko": "kostack watch에는 에이전트 네임스페이스의 pods에 대한 list 권한이 필요합니다",
        },
        "probe.agents.none": {
            "en": "no Ready probe agent in namespace {namespace} ({selector})",
            "ko": "네임스페이스 {namespace}에 Ready 상태인 점검 에이전트가 없습니다 ({selector})",
        },
        "probe.agents.hint.none": {
            "en": "deploy the agent DaemonSet (deploy/, docs/watch.md) or run with --probes off",
            "ko": "에이전트 DaemonSet을 배포하거나(deploy/, docs/watch.md) --probes off로 실행하세요",
        },
    }
)
