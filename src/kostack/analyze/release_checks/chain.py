"""Why a release's pods are not ready, as one cause chain rather than separate symptoms.

Harbor's jobservice loads its configuration from core at start and exits when
core does not answer ("connection refused"), so its crash loop says core is
not ready; core in turn waits for the database and redis, and those are
reached over the pod network. The chain starts at the failing part nothing
else depends on, follows failing dependencies (helped by what the pods' logs
and events say about whom they could not reach), and ends at the first part
whose own dependencies are healthy: that part itself, or the cluster network
when the pod cannot reach a healthy dependency (timeouts, DNS failures) and
the diagnosis finds a network root cause.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kostack.analyze.diagnose import Diagnosis, RootCause
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.chain_network import (
    dns_pods,
    network_end,
    pod_traffic_root_causes,
    root_title,
    scoped,
)
from kostack.analyze.release_checks.charts import ChartRule, rule_for
from kostack.analyze.release_checks.workload import (
    ERROR_WORDS,
    ComponentHealth,
    WorkloadIndex,
    addresses,
    health,
    release_pods,
)
from kostack.model.snapshot import HelmRelease, Snapshot, WorkloadPod
from kostack.shell import command, render

__all__ = ["Chain", "Link", "build_chain", "dns_pods", "root_title"]

register(
    {
        "chain.link.crashloop": {
            "en": "{component} ({pods}) is crash-looping: {state}",
            "ko": "구성 요소 {component}({pods}): 재시작을 반복합니다: {state}",
        },
        "chain.link.not-ready": {
            "en": "{component} ({pods}) is not ready: {state}",
            "ko": "구성 요소 {component}({pods}): 준비되지 않았습니다: {state}",
        },
        "chain.link.missing": {
            "en": "{component} has no pod",
            "ko": "{component}의 Pod가 없습니다",
        },
        "chain.says": {
            "en": "it says: {line}",
            "ko": "로그/이벤트: “{line}”",
        },
        "chain.because-refused": {
            "en": "{component} refuses {target} because {dependency} is not listening: the refusal is a symptom of {dependency} not being ready",
            "ko": "{dependency:이/가} 포트를 열지 않아 {component}의 {target} 연결이 거부됩니다(connection refused): "
            "{dependency:이/가} 준비되지 않은 결과입니다",
        },
        "chain.because-dependency": {
            "en": "{component} depends on {dependency}, which is not ready",
            "ko": "{component:은/는} 준비되지 않은 {dependency}에 의존합니다",
        },
        "chain.end.component": {
            "en": "{component} itself fails while what it needs is ready; see `{command}`",
            "ko": "필요한 구성 요소는 준비되었는데 {component} 자체가 실패합니다. "
            "{command:`을/를} 확인하세요",
        },
        "chain.end.stale": {
            "en": "{component} uses the credentials in the values, but the database volume {pvc} is older than this install: it keeps the first install's initialisation (see rel-stale-volume)",
            "ko": "{component:은/는} 값에 있는 자격 증명을 쓰지만, 데이터베이스 볼륨 {pvc:이/가} 이번 설치보다 오래되어 "
            "처음 설치 때의 초기화 상태를 유지합니다(rel-stale-volume 참고)",
        },
        "chain.line": {"en": "{arrow}{text}{says}", "ko": "{arrow}{text}{says}"},
        "chain.paren": {"en": " ({text})", "ko": " ({text})"},
    }
)


@dataclass(frozen=True)
class Link:
    component: str
    text: Msg
    says: str = ""


@dataclass(frozen=True)
class Chain:
    release: HelmRelease
    links: tuple[Link, ...]
    end: Literal["network", "component", "unknown"]
    root_cause: RootCause | None
    pods: tuple[WorkloadPod, ...]
    failing: tuple[str, ...]

    def display(self, component: str) -> str:
        """The name people see for a part (Harbor: `<fullname>-<part>`)."""
        return _display(rule_for(self.release.chart), self.release, component)

    def lines(self) -> tuple[str, ...]:
        """One line per link (Msg, so renderers can show them in another language)."""
        return tuple(
            Msg(
                "chain.line",
                arrow="" if i == 0 else "-> ",
                text=link.text,
                says=Msg("chain.paren", text=link.says) if link.says else "",
            )
            for i, link in enumerate(self.links)
        )


def build_chain(
    snapshot: Snapshot,
    release: HelmRelease,
    diagnosis: Diagnosis | None,
    stale_volumes: tuple[str, ...] = (),
    index: WorkloadIndex | None = None,
) -> Chain | None:
    """The cause chain of a release whose pods are not all ready (None when they are).

    `stale_volumes` names state volumes older than the release (rel-stale-volume):
    when the chain ends at a part itself, they are the likely reason.
    """
    helm = snapshot.helm
    if helm is None or helm.pods is None:
        return None
    rule = rule_for(release.chart)
    index = index or WorkloadIndex(snapshot)
    pods = release_pods(release, index)
    parts = health(rule, release, pods, index, addresses(index, rule, release, pods))
    failing = {name for name, h in parts.items() if not h.ready}
    if not failing:
        return None
    depends = {c.name: c.depends_on for c in rule.components}

    def blocked_on(name: str) -> list[str]:
        h = parts[name]
        refused = [e.component for e in h.errors if e.kind == "refused" and e.component in failing]
        static = [d for d in depends.get(name, ()) if d in failing]
        return list(dict.fromkeys([c for c in refused if c] + static))

    needed_by_failing = {d for name in failing for d in blocked_on(name)}
    starts = sorted(failing - needed_by_failing, key=lambda n: _order(rule, n)) or sorted(failing)
    best = _longest_path(starts, blocked_on)
    links = _path_links(rule, release, parts, best)
    last = parts[best[-1]]
    end, root, tail = _terminal(snapshot, rule, release, parts, last, diagnosis, stale_volumes)
    links.extend(tail)
    others = sorted(failing - set(best), key=lambda n: _order(rule, n))
    links.extend(Link(name, _state(rule, release, name, parts[name])) for name in others)
    affected = tuple(p for name in [*best, *others] for p in parts[name].pods)
    return Chain(release, tuple(links), end, root, affected, tuple([*best, *others]))


def _longest_path(starts: list[str], blocked_on: Callable[[str], list[str]]) -> list[str]:
    """The longest path from a start along failing dependencies (the first one found)."""
    best: list[str] = []
    for start in starts:
        path = [start]
        while True:
            nxt = [d for d in blocked_on(path[-1]) if d not in path]
            if not nxt:
                break
            path.append(nxt[0])
        if len(path) > len(best):
            best = path
    return best


def _state(rule: ChartRule, release: HelmRelease, name: str, h: ComponentHealth) -> Msg:
    """Part ``name`` crash-looping or not ready: its pods and their state."""
    key = "chain.link.crashloop" if h.crashloop else "chain.link.not-ready"
    return Msg(key, component=_display(rule, release, name), pods=h.pod_names, state=h.state)


def _path_links(
    rule: ChartRule, release: HelmRelease, parts: dict[str, ComponentHealth], best: list[str]
) -> list[Link]:
    """Each part on the path, then why it waits for the next (refused by it, or depends on it)."""
    links: list[Link] = []
    for i, name in enumerate(best):
        h = parts[name]
        says = (h.errors[0].line if h.errors else "") or (h.says[0] if h.says else "")
        links.append(
            Link(
                name,
                _state(rule, release, name, h),
                Msg("chain.says", line=_clip(says)) if says else "",
            )
        )
        if i + 1 < len(best):
            dep = best[i + 1]
            component, dependency = _display(rule, release, name), _display(rule, release, dep)
            refused = next(
                (e for e in h.errors if e.kind == "refused" and e.component == dep), None
            )
            because = (
                Msg(
                    "chain.because-refused",
                    component=component,
                    target=refused.target,
                    dependency=dependency,
                )
                if refused is not None
                else Msg("chain.because-dependency", component=component, dependency=dependency)
            )
            links.append(Link(name, because))
    return links


def _order(rule: ChartRule, name: str) -> int:
    names = [c.name for c in rule.components]
    # downstream parts (declared later) first
    return -names.index(name) if name in names else 0


def _display(rule: ChartRule, release: HelmRelease, component: str) -> str:
    return (
        f"{rule.fullname(release.name, release.settings)}-{component}" if rule.known else component
    )


_TELLING = re.compile(
    r"authentication failed|connection refused|i/o timeout|no such host|no route to host|"
    r"dirty database|permission denied|FATAL|panic",
    re.IGNORECASE,
)


def _clip(text: str, limit: int = 220) -> str:
    """The line, or the part of it around what tells the story when it is long."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    match = _TELLING.search(text)
    if match is None or match.end() <= limit - 3:
        return text[: limit - 3] + "..."
    start = max(0, min(match.start() - limit // 2, len(text) - limit + 6))
    return "..." + text[start : start + limit - 6] + "..."


def _terminal(
    snapshot: Snapshot,
    rule: ChartRule,
    release: HelmRelease,
    parts: dict[str, ComponentHealth],
    last: ComponentHealth,
    diagnosis: Diagnosis | None,
    stale_volumes: tuple[str, ...],
) -> tuple[Literal["network", "component", "unknown"], RootCause | None, list[Link]]:
    network_errors = [e for e in last.errors if e.kind in ("timeout", "dns", "no-route", "reset")]
    deps = [d for c in rule.components if c.name == last.component for d in c.depends_on]
    reached = [network_errors[0].component] if network_errors else deps
    pods = [*last.pods, *(p for d in reached if d in parts for p in parts[d].pods)]
    pods += dns_pods(snapshot)  # each part finds the next by its Service name
    cni = snapshot.cluster.cni if snapshot.cluster is not None else None
    kube_ovn = cni.kube_ovn if cni is not None else None
    roots, notes, undecided = scoped(pod_traffic_root_causes(diagnosis), pods, kube_ovn)
    name = _display(rule, release, last.component)
    if network_errors:
        way, cause, says = network_end(snapshot, rule, parts, last, name, network_errors[0], roots)
        return way, cause, [Link(last.component, m) for m in (*says, *notes)]
    own_errors = [line for line in last.says if ERROR_WORDS.search(line)]
    if own_errors or not roots:
        end, root, links = _component_end(release, last, name, own_errors, stale_volumes)
        end = "unknown" if undecided and not own_errors else end
        return end, root, [*links, *(Link(last.component, n) for n in notes)]
    root = roots[0]
    return (
        "network",
        root,
        [
            Link(
                last.component,
                Msg(
                    "chain.end.network-root",
                    component=name,
                    deps=", ".join(_display(rule, release, d) for d in deps) or "other pods",
                    root=root_title(root),
                ),
            )
        ],
    )


def _component_end(
    release: HelmRelease,
    last: ComponentHealth,
    name: str,
    own_errors: list[str],
    stale_volumes: tuple[str, ...],
) -> tuple[Literal["network", "component", "unknown"], RootCause | None, list[Link]]:
    """The last part fails by itself: its log line, the command to read it, stale volumes."""
    pod = last.pods[0].name if last.pods else "?"
    telling = next((line for line in own_errors if _TELLING.search(line)), None)
    quote = telling or (own_errors[0] if own_errors else "")
    links = [
        Link(
            last.component,
            Msg(
                "chain.end.component",
                component=name,
                command=render(
                    command(("kubectl", "logs"), (pod,), ("-n", release.namespace, "--previous"))
                ),
            ),
            Msg("chain.says", line=_clip(quote)) if quote else "",
        )
    ]
    links.extend(
        Link(last.component, Msg("chain.end.stale", component=name, pvc=stale))
        for stale in stale_volumes
    )
    return "component", None, links
