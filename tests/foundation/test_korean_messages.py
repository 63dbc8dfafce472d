"""Under --lang ko, kostack's remaining English families are Korean (issue 13, item 3).

Each family is rendered in both languages: the Korean has Hangul and no English sentence
(`english_lines`, tests/foundation/english.py), and the English still is one, so the
detector is proven to catch a line of that kind if it regresses. The families:
Kubernetes Events of watch and guard, collection errors (through the CLI, against an
endpoint that refuses, a wrong clouds.yaml and a bad kubeconfig), the explanations of
Neutron errors in `fix apply`, release-plan errors, OS errors (errno) inside errors, and
the shell comments of `fix plan -o script` and `preflight -o commands / -o terraform`.
"""

from __future__ import annotations

import errno
import re
import shlex
import socket
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from english import comment_lines, english_lines, english_runs, script_english

from kostack.catalog import Msg, localize
from kostack_testkit.cli import run_cli
from kostack_testkit.ports import refused_port as held_refused_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SEED = str(EXAMPLES / "seed-incident.json")
HARBOR = str(EXAMPLES / "harbor-wrong-namespace.json")


run = run_cli


def is_korean(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text) and english_lines(text) == []


def sentence(text: str) -> str:
    """``text`` read as a sentence even where it starts with a command word ("kostack ...",
    "openstack ..."), which `english_lines` would otherwise take for a command and skip."""
    return "— " + text


def both(text: str) -> tuple[str, str]:
    """A Msg (or plain text) in English and in Korean."""
    return localize(text, "en"), localize(text, "ko")


def assert_translated(text: str) -> None:
    english, korean = both(text)
    assert is_korean(sentence(korean)), korean
    assert english_lines(sentence(english)), english  # the detector catches it in English


# --------------------------------------------------------------------------- 1. Events


def body(message: str) -> str:
    """An Event message without its leading "kostack guard" / "kostack:", which the
    detector would take for a command line (and then not read)."""
    return sentence(re.sub(r"^kostack( guard| watch)?(가|:)?\s*", "", message))


def _sample(template: str) -> dict[str, object]:
    names = {n for _, n, _, _ in string.Formatter().parse(template) if n}
    return {n: ("10.244.0.0/16" if n == "cidrs" else "k8s-w-1") for n in names}


@pytest.mark.parametrize("mode", ["watch", "guard"])
def test_every_event_message_exists_in_korean(mode: str) -> None:
    from kostack.guard import messages as guard
    from kostack.watch import messages as watch

    catalog = (watch if mode == "watch" else guard).MESSAGES
    keys = [k for k in catalog["en"] if k.startswith("event.")]
    assert len(keys) >= 5
    for key in keys:
        params = _sample(catalog["en"][key])
        say = (watch if mode == "watch" else guard).say
        korean, english = say("ko", key, **params), say("en", key, **params)
        assert is_korean(body(korean)), (key, korean)
        assert english_lines(body(english)), (key, english)


def test_watch_events_follow_the_language_and_keep_machine_reasons() -> None:
    from kostack.watch.events import Workload, events_for
    from kostack.watch.history import Transition

    transitions = [
        Transition(0.0, 1, "root-cause", "antispoof", "absent", "present", "critical",
                   "net-pod-src-antispoof", "", ("k8s-w-1", "k8s-w-2"), 2),
        Transition(0.0, 2, "root-cause", "antispoof", "present", "absent", "critical",
                   "net-pod-src-antispoof", "", ("k8s-w-1",), 1),
        Transition(0.0, 2, "verdict", "verdict", "root-causes", "healthy"),
        Transition(0.0, 3, "source", "openstack", "up", "down"),
        Transition(0.0, 4, "source", "openstack", "down", "up"),
    ]  # fmt: skip
    workload = Workload("kostack", "kostack-watch")
    korean = events_for(transitions, "ko", workload=workload)
    english = events_for(transitions, "en", workload=workload)
    assert [e.reason for e in korean] == [e.reason for e in english]
    assert {e.reason for e in korean} == {
        "RootCauseDetected", "RootCauseCleared", "VerdictChanged", "SourceDown", "SourceUp",
    }  # fmt: skip
    for ko, en in zip(korean, english, strict=True):
        assert re.fullmatch(r"[A-Z][A-Za-z]+", ko.reason)
        assert is_korean(body(ko.message)), ko.message
        assert english_lines(body(en.message)), en.message
    assert any("Neutron 포트 보안(anti-spoofing)" in e.message for e in korean)


def test_guard_events_follow_the_language() -> None:
    from kostack.guard.enforce import Done
    from kostack.guard.events import DriftMemory, breaker_event, leader_event, pass_events
    from kostack.guard.state import PassReport
    from kostack.serve.events import Workload

    workload = Workload("kostack", "kostack-guard")
    report = PassReport(
        1,
        "enforce",
        0.0,
        0.1,
        "fixed",
        done=(
            Done("add-pairs", "5f1c7974-c7a9", "applied", node="k8s-w-1", added=("10.244.0.0/16",)),
            Done("remove-pairs", "a07e1ace-b9f0", "applied", removed=("10.96.0.0/12",)),
        ),
    )
    for lang in ("ko", "en"):
        events = [
            *pass_events(report, lang, workload, DriftMemory()),
            *breaker_event(True, "k8s-w-1", lang, workload),
            *breaker_event(False, "", lang, workload),
            *leader_event("guard-0", lang, workload),
        ]
        assert [e.reason for e in events] == [
            "PairsAdded", "PairsRemoved", "BreakerOpen", "BreakerClosed", "LeaderElected",
        ]  # fmt: skip
        for event in events:
            if lang == "ko":
                assert is_korean(body(event.message)), event.message
            elif event.reason != "LeaderElected":  # "kostack guard: guard-0 is the leader."
                assert english_lines(body(event.message)), event.message


# --------------------------------------------------------------------------- 2. collection


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port nothing listens on (connecting is refused), held while the test runs."""
    with held_refused_port() as port:
        yield port


def _clouds(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "clouds.yaml"
    path.write_text(
        "clouds:\n  lab:\n    auth:\n"
        f"      auth_url: http://127.0.0.1:{port}/v3\n"
        "      username: admin\n      password: not-a-secret-9f2\n      project_name: k8s\n"
        "      user_domain_name: Default\n      project_domain_name: Default\n"
    )
    return path


def _kubeconfig(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: c\n  cluster: {{server: 'https://127.0.0.1:{port}'}}\n"
        "contexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n"
        "users:\n- name: u\n  user: {token: not-a-secret-4b7e1}\n"
    )
    return path


def _collection_cases(tmp_path: Path, port: int) -> list[tuple[list[str], dict[str, str], int]]:
    clouds = str(_clouds(tmp_path, port))
    kubeconfig = str(_kubeconfig(tmp_path, port))
    not_yaml = tmp_path / "not-yaml"
    not_yaml.write_text("clusters: [\n")
    out = str(tmp_path / "snap.json")
    os_env = {"OS_CLIENT_CONFIG_FILE": clouds}
    return [
        # Keystone refuses the connection: ECONNREFUSED, exit 3
        (["collect", "--no-kubernetes", "--os-cloud", "lab", "-o", out, "--timeout", "5"], os_env, 3),
        # a cloud clouds.yaml does not have: exit 2
        (["collect", "--no-kubernetes", "--os-cloud", "nope", "-o", out], os_env, 2),
        # OS_CLOUD names a cloud no clouds.yaml has
        (["collect", "--no-kubernetes", "-o", out], {**os_env, "OS_CLOUD": "gone"}, 2),
        # the API server refuses the connection: exit 3
        (["collect", "--no-openstack", "--kubeconfig", kubeconfig, "-o", out, "--timeout", "5"], {}, 3),
        # a context the kubeconfig does not have
        (["collect", "--no-openstack", "--kubeconfig", kubeconfig, "--context", "x", "-o", out], {}, 2),
        # a kubeconfig that is not YAML (and release check: it was an internal error)
        (["collect", "--no-openstack", "--kubeconfig", str(not_yaml), "-o", out], {}, 2),
        (["release", "check", "--kubeconfig", str(not_yaml)], {}, 2),
        (["release", "check", "--kubeconfig", kubeconfig], {}, 3),
        # nothing to collect
        (["collect", "--no-openstack", "--no-kubernetes", "-o", out], {}, 2),
    ]  # fmt: skip


def test_collection_errors_are_korean(tmp_path: Path, refused_port: int) -> None:
    for args, environ, code in _collection_cases(tmp_path, refused_port):
        got, korean = run(*args, environ={**environ, "KOSTACK_LANG": "ko"})
        assert got == code, (args, korean)
        assert korean.startswith("오류: ") and "\n힌트: " in korean, korean
        assert is_korean(korean), korean
        assert "not-a-secret" not in korean
        got, english = run(*args, environ=environ)
        assert got == code and english.startswith("error: "), english
        assert english_lines(english), english  # the detector catches the English error


def test_a_refused_connection_names_its_errno_in_korean(tmp_path: Path, refused_port: int) -> None:
    args, environ, _ = _collection_cases(tmp_path, refused_port)[0]
    _, korean = run(*args, environ={**environ, "KOSTACK_LANG": "ko"})
    assert "Keystone에 연결할 수 없습니다: 연결이 거부되었습니다(ECONNREFUSED): “" in korean
    _, english = run(*args, environ=environ)
    assert english.startswith(f"error: cannot reach Keystone at http://127.0.0.1:{refused_port}")


# --------------------------------------------------------------------------- 3. Neutron errors


def _problems() -> list[object]:
    from kostack.apply.neutron import NeutronProblem, ProblemKind

    http = ProblemKind.HTTP
    return [
        NeutronProblem(ProblemKind.TIMEOUT, "Read timed out"),
        NeutronProblem(ProblemKind.CONNECTION, "Connection refused"),
        NeutronProblem(http, "revision changed", status=412),
        NeutronProblem(http, "m", status=409, error_type="PortSecurityPortHasSecurityGroup"),
        NeutronProblem(http, "m", status=409, error_type="AddressPairAndPortSecurityRequired"),
        NeutronProblem(
            http, "m", status=400, error_type="PortSecurityAndIPRequiredForSecurityGroups"
        ),
        NeutronProblem(http, "Security group rule already exists.", status=409,
                       error_type="SecurityGroupRuleExists"),
        NeutronProblem(http, "Quota exceeded for resources: ['security_group_rule'].",
                       status=409, error_type="OverQuota"),
        NeutronProblem(http, "Port x could not be found.", status=404, error_type="PortNotFound"),
        NeutronProblem(http, "rule:update_port is disallowed by policy", status=403,
                       error_type="PolicyNotAuthorized", request_id="req-1"),
        NeutronProblem(http, "Invalid input", status=400, error_type="HTTPBadRequest"),
        NeutronProblem(http, "Internal Server Error", status=500, request_id="req-2"),
        NeutronProblem(http, "I'm a teapot", status=418, error_type="Teapot"),
    ]  # fmt: skip


def test_neutron_error_explanations_are_korean() -> None:
    from kostack.apply.messages import changed_since_planning, explain, with_applied
    from kostack.model import load_snapshot
    from kostack.plan.build import build_plan
    from kostack.plan.model import PlanOptions

    plan = build_plan(load_snapshot(SEED), PlanOptions())
    actions = list(plan.automatic)
    journal = "/var/tmp/fix.journal.jsonl"
    problems = _problems()
    for problem in problems:
        for undo in (False, True):
            explained = explain(problem, actions[0], journal, undo=undo)  # type: ignore[arg-type]
            assert_translated(explained.line)
            hint = localize(explained.hint, "ko")  # some English hints are two words and a command
            assert is_korean(sentence(hint)), hint
    stopped = with_applied(explain(problems[0], actions[-1], journal), actions[:3], journal)  # type: ignore[arg-type]
    assert_translated(stopped.hint)
    assert "멈추기 전에 변경 3건을 적용했습니다" in localize(stopped.hint, "ko")
    changed = changed_since_planning(actions[0].target, 3, 4)
    assert_translated(changed.line)
    # English stays word for word what it was
    quota = explain(problems[7], actions[0], journal)  # type: ignore[arg-type]
    assert str(quota.line).endswith(
        ": Neutron quota exceeded (409 OverQuota: Quota exceeded for resources: "
        "['security_group_rule'].)"
    )
    assert str(quota.hint).startswith(
        "ask for a higher quota (security_group_rule / port) or remove unused rules, then "
        f"resume with `kostack fix apply --journal {journal}`"
    )


# --------------------------------------------------------------------------- 4. release plans


def test_release_plan_errors_are_korean() -> None:
    code, korean = run(
        "release", "reinstall", "harbor", "--namespace", "harbor", "--chart", "harbor/harbor",
        "--snapshot", HARBOR, "--lang", "ko",
    )  # fmt: skip
    assert code == 1 and "오류: 재설치 차단됨: 클러스터 네트워크가 정상이 아닙니다" in korean
    assert is_korean(korean), "\n".join(english_lines(korean))
    code, english = run(
        "release", "reinstall", "harbor", "--namespace", "harbor", "--chart", "harbor/harbor",
        "--snapshot", HARBOR,
    )  # fmt: skip
    assert code == 1 and "error: reinstall blocked: the cluster network is not healthy" in english
    assert english_lines(english)


def test_the_no_helm_state_blocker_is_korean() -> None:
    from kostack.model import load_snapshot
    from kostack.model.snapshot import Gap
    from kostack.plan.release import build_reinstall_plan

    snapshot = load_snapshot(HARBOR)
    gap = Gap(source="helm", error="list secrets: [Errno 113] No route to host")
    bare = snapshot.model_copy(update={"helm": None, "gaps": (*snapshot.gaps, gap)})
    plan = build_reinstall_plan(
        bare, None, name="harbor", namespace="harbor", chart="harbor/harbor"
    )
    (blocker,) = [b for b in plan.blockers if "Helm" in b]
    assert_translated(blocker)
    assert "호스트에 도달할 수 없습니다(EHOSTUNREACH)" in localize(blocker, "ko")
    for blocker in plan.blockers:
        assert is_korean(localize(blocker, "ko")), localize(blocker, "ko")


# --------------------------------------------------------------------------- 5. OS errors


@pytest.mark.parametrize(
    "name",
    ["EADDRINUSE", "EADDRNOTAVAIL", "EACCES", "ECONNREFUSED", "ETIMEDOUT", "ENOENT", "EISDIR",
     "EHOSTUNREACH", "ENETUNREACH", "EPERM", "ECONNRESET", "ENOSPC", "EROFS"],
)  # fmt: skip
def test_common_os_errors_are_korean_with_their_errno_name(name: str) -> None:
    from kostack.oserror import reason

    code = getattr(errno, name)
    said = reason(OSError(code, __import__("os").strerror(code)))
    english, korean = both(said)
    assert english == __import__("os").strerror(code)  # English keeps the C library's words
    assert korean.endswith(f"({name})") and is_korean(korean), korean


def test_an_unknown_errno_keeps_its_words_quoted() -> None:
    from kostack.oserror import reason

    said = reason(OSError(errno.ENOTSUP, "Operation not supported"))
    assert localize(said, "ko") == "“Operation not supported”(ENOTSUP)"


def test_the_listen_error_is_korean() -> None:
    from kostack.errors import ConfigError
    from kostack.serve.http import ExporterServer

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for lang in ("ko", "en"):
            with pytest.raises(ConfigError) as caught:
                ExporterServer(("127.0.0.1", port), {}, name="test", lang=lang)
            message = caught.value.message
            if lang == "ko":
                assert message.endswith("주소가 이미 사용 중입니다(EADDRINUSE)"), message
                assert is_korean(message)
            else:
                assert message.endswith(": Address already in use"), message
                assert english_runs("Address already in use here")  # what Korean used to show


# --------------------------------------------------------------------------- 6. scripts


@pytest.mark.parametrize(
    "name", ["seed-incident", "hetero-groups", "lb-ovn-node-subnet-only", "seed-port-security-off"]
)
def test_fix_plan_script_comments_are_korean(name: str) -> None:
    snapshot = str(EXAMPLES / f"{name}.json")
    code, korean = run("fix", "plan", "--snapshot", snapshot, "-o", "script", "--lang", "ko")
    assert code == 0, korean
    assert script_english(korean) == [], script_english(korean)
    assert any("되돌리기" in line or "수동 단계" in line for line in comment_lines(korean))
    code, english = run("fix", "plan", "--snapshot", snapshot, "-o", "script")
    assert script_english(english), english  # the English comments are caught

    # the commands are the same in both languages (what the script prints is said in each:
    # its echo lines, and a rule's label passed to kostack_add_rule)
    def commands(text: str) -> list[str]:
        out = []
        for line in text.splitlines():
            bare = line.lstrip()
            if bare.startswith(("#", "echo ", "added+=")):
                continue
            words = shlex.split(line) if bare.startswith("kostack_add_rule ") else []
            out.append(" ".join(words[:2] + words[3:]) if words else line)
        return out

    assert commands(korean) == commands(english)


PREFLIGHT = (
    ("--pod-cidr", "10.244.0.0/16", "--service-cidr", "10.96.0.0/12", "--node",
     "10.0.0.11=k8s-cp-1", "--node", "10.0.0.12=k8s-w-1", "--subnet-cidr", "10.0.0.0/24",
     "--network-mtu", "1450"),
    ("--snapshot", SEED, "--network", "k8s-net", "--pod-cidr", "10.244.0.0/16",
     "--service-cidr", "10.96.0.0/12"),
)  # fmt: skip


@pytest.mark.parametrize("output", ["commands", "terraform", "text"])
@pytest.mark.parametrize("args", PREFLIGHT)
def test_preflight_script_comments_are_korean(args: tuple[str, ...], output: str) -> None:
    code, korean = run("preflight", *args, "-o", output, "--lang", "ko")
    assert code in (0, 1), korean
    assert script_english(korean) == [], script_english(korean)
    code, english = run("preflight", *args, "-o", output)
    assert script_english(english), english


def test_the_comment_check_sees_english_and_passes_commands() -> None:
    assert script_english("# Review it before running. It needs the `openstack` CLI\n")
    assert script_english("  # Neutron gives a new group egress to anywhere\n")
    assert not script_english("# undo: openstack port set --no-allowed-address 5f1c\n")
    assert not script_english("# 되돌리기: openstack port set --no-allowed-address 5f1c\n")
    assert script_english("# why: pods on k8s-cp-1 send from addresses in 10.244.0.0/16\n")


def test_messages_stay_messages_through_redaction() -> None:
    """The collector redacts errors before raising them: a Msg must survive it."""
    import kostack.collect.texts  # noqa: F401  (registers the collector's messages)
    from kostack.catalog import map_text

    said = Msg("col.os.cannot-use", where=Msg("col.os.where.config"), detail="token abc123secret")
    mapped = map_text(said, lambda text: text.replace("abc123secret", "<redacted>"))
    assert isinstance(mapped, Msg)
    assert "<redacted>" in localize(mapped, "ko") and "abc123secret" not in localize(mapped, "ko")


# --------------------------------------------------------------------------- file errors


def test_journal_and_report_file_errors_are_korean(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text('{"type": "plan"}\nnot json\n{}\n')
    cases = [
        (("fix", "rollback", str(tmp_path / "missing.jsonl")), "에 저널이 없습니다"),
        (("fix", "rollback", str(tmp_path)), "디렉터리입니다(EISDIR)"),
        (("fix", "rollback", str(damaged)), "번째 줄이 JSON이 아닙니다"),
        (("report", "--snapshot", SEED, "-o", "-"), "보고서 형식을 알 수 없습니다"),
        (
            ("report", "--snapshot", SEED, "-o", str(tmp_path / "no" / "r.html")),
            "파일이나 디렉터리가 없습니다(ENOENT)",
        ),
        (
            ("report", "--snapshot", SEED, "--journal", str(tmp_path), "-o", "r.md"),
            "디렉터리입니다(EISDIR)",
        ),
    ]
    for args, words in cases:
        code, korean = run(*args, "--lang", "ko")
        assert code == 2 and words in korean, korean
        assert is_korean(korean), korean
        code, english = run(*args)
        assert code == 2 and english.startswith("error: "), english
        assert english_lines(english), english
