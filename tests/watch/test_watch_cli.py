"""`kostack watch` through main(): cycles, languages, bad input, the missing extra."""

from __future__ import annotations

import io
import socket
import sys
from pathlib import Path

import pytest
from watch_testing import EXAMPLES

from kostack.cli.common import Environment
from kostack.cli.main import main

SEED = str(EXAMPLES / "seed-incident.json")


def run(*args: str, environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    return _cli("watch", *args, environ=environ)


def _cli(*args: str, environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, environ=environ or {}, stdin_isatty=False, stdout_isatty=False
    )
    code = main(list(args), env)
    return code, out.getvalue(), err.getvalue()


def test_runs_the_given_cycles_and_logs_the_root_cause() -> None:
    code, out, err = run(
        "--snapshot", SEED, "--listen", "127.0.0.1:0", "--interval", "1", "--cycles", "2"
    )
    assert code == 0 and out == ""
    lines = err.splitlines()
    assert "snapshot" in lines[0] and "probes off" in lines[0] and "a cycle every 1s" in lines[0]
    assert any(
        "root cause present: Neutron anti-spoofing drops pod traffic [critical] (net-pod-src-antispoof), 4 node(s)"
        in line
        for line in lines
    )
    assert (
        sum("done in" in line and "1 root cause(s): antispoof [critical]" in line for line in lines)
        == 2
    )
    assert lines[-1].endswith("stopped after 2 cycle(s)")


def test_korean() -> None:
    code, _, err = run(
        "--snapshot", SEED, "--listen", "127.0.0.1:0", "--cycles", "1", "--lang", "ko"
    )
    assert code == 0
    assert "근본 원인 감지: Neutron 포트 보안(anti-spoofing)이 Pod 트래픽을 차단함 [심각]" in err
    assert "1번째 주기 완료" in err and "1번의 주기를 마치고 종료했습니다" in err


def test_korean_from_the_locale() -> None:
    code, _, err = run(
        "--snapshot",
        SEED,
        "--listen",
        "127.0.0.1:0",
        "--cycles",
        "1",
        environ={"LANG": "ko_KR.UTF-8"},
    )
    assert code == 0 and "주기 완료" in err


def test_bad_listen_is_usage() -> None:
    code, _, err = run("--snapshot", SEED, "--listen", "nowhere")
    assert code == 2
    assert "error: --listen 'nowhere' is not HOST:PORT" in err and "hint: e.g. --listen" in err


def test_a_taken_port_is_usage() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, _, err = run("--snapshot", SEED, "--listen", f"127.0.0.1:{port}", "--lang", "ko")
    assert code == 2
    assert f"오류: 127.0.0.1:{port}에서 연결을 받을 수 없습니다" in err
    assert "힌트: --listen HOST:PORT로 비어 있는 주소를 지정하세요" in err


def test_a_missing_snapshot_is_usage(tmp_path: Path) -> None:
    code, _, err = run("--snapshot", str(tmp_path / "none.json"))
    assert code == 2 and "no such file" in err


def test_a_broken_snapshot_later_is_a_stale_cycle_not_a_crash(tmp_path: Path) -> None:
    target = tmp_path / "snap.json"
    target.write_text("{ not json")
    code, _, err = run("--snapshot", str(target), "--listen", "127.0.0.1:0", "--cycles", "1")
    assert code == 0
    assert "source snapshot is down" in err and "could not read every source" in err


def test_a_stale_first_cycle_says_nothing_is_published_yet(tmp_path: Path) -> None:
    """With no diagnosis yet it said "the last diagnosis (cycle -) stays published", in Korean
    "직전 진단(-번째 주기)을 그대로 게시합니다"."""
    target = tmp_path / "snap.json"
    target.write_text("{ not json")
    args = ("--snapshot", str(target), "--listen", "127.0.0.1:0", "--cycles", "1")
    code, _, err = run(*args)
    assert code == 0 and "; no diagnosis is published yet" in err and "cycle -" not in err, err
    code, _, err = run(*args, "--lang", "ko")
    assert code == 0 and "아직 게시한 진단이 없습니다" in err and "-번째" not in err, err


def test_without_the_extra_it_exits_2_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name.startswith(("kostack.watch", "prometheus_client")):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(
        sys.modules, "prometheus_client", None
    )  # import fails like a missing package
    code, _, err = run("--snapshot", SEED)
    assert code == 2
    assert (
        "error: kostack watch needs the optional dependency prometheus-client (the extra kostack[watch])"
        in err
    )
    assert "hint: install it: `pip install 'kostack[watch]'`" in err


def test_help_names_the_endpoints() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "/metrics" in out and "/readyz" in out and "--probes" in out and "docs/watch.md" in out


def test_usage_errors_in_korean(tmp_path: Path) -> None:
    code, _, err = run("--snapshot", str(tmp_path / "none.json"), "--lang", "ko")
    assert code == 2 and "파일이 없습니다" in err and "힌트: 스냅샷 파일을 지정하세요" in err
    code, _, err = run("--snapshot", SEED, "--egress-target", "x", "--lang", "ko")
    assert code == 2 and "IP 주소가 아닙니다" in err
    code, _, err = run("--snapshot", SEED, "--deployment", "nope", "--lang", "ko")
    assert code == 2 and "NAMESPACE/NAME 형식이 아닙니다" in err


@pytest.mark.parametrize("mode", ["watch", "guard"])
def test_timeout_from_the_option_the_environment_or_the_default(mode: str) -> None:
    """Both continuous modes read --timeout, else $KOSTACK_TIMEOUT, else 20 s (guard ignored
    $KOSTACK_TIMEOUT and refused a --timeout under 1 s)."""
    from kostack.cli.common import long_running_timeout
    from kostack.cli.guard import GUARD_TIMEOUT_S
    from kostack.cli.watch import WATCH_TIMEOUT_S
    from kostack.errors import ConfigError

    default = {"watch": WATCH_TIMEOUT_S, "guard": GUARD_TIMEOUT_S}[mode]
    assert long_running_timeout(None, {}, default) == default == 20.0
    assert long_running_timeout(None, {"KOSTACK_TIMEOUT": "3.5"}, default) == 3.5
    assert long_running_timeout(7.0, {"KOSTACK_TIMEOUT": "3.5"}, default) == 7.0  # --timeout wins
    for bad in ("soon", "0", "5000"):
        with pytest.raises(ConfigError, match="KOSTACK_TIMEOUT"):
            long_running_timeout(None, {"KOSTACK_TIMEOUT": bad}, default)
    code, _, err = _cli(mode, "--timeout", "0.5", "--kubeconfig", "/nonexistent/kubeconfig")
    # 0.5 s is accepted by both: the error is the missing kubeconfig, not the option
    assert code == 2 and "no kubeconfig file found" in err and "--timeout" not in err, err


def test_a_bad_kostack_timeout_is_usage_in_live_mode(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\n")
    code, out, err = run(
        "--kubeconfig",
        str(kubeconfig),
        "--listen",
        "127.0.0.1:0",
        "--cycles",
        "1",
        environ={"KOSTACK_TIMEOUT": "soon"},
    )
    assert code == 2 and out == ""
    assert "error: KOSTACK_TIMEOUT='soon' is not a number of seconds" in err


def test_watch_and_guard_read_their_deployment_the_same_way() -> None:
    """One parser (cli/_options) for both: NS/NAME, else POD_NAMESPACE/<own name>, else none."""
    from kostack.cli._options import workload
    from kostack.errors import ConfigError
    from kostack.guard.messages import say as guard_say
    from kostack.serve.events import Workload
    from kostack.watch.messages import say as watch_say

    for say, own in ((watch_say, "kostack-watch"), (guard_say, "kostack-guard")):
        assert workload("ops/kw", {}, own, "en", say) == Workload("ops", "kw")
        assert workload(None, {"POD_NAMESPACE": "kostack"}, own, "en", say) == Workload(
            "kostack", own
        )
        assert workload(None, {}, own, "en", say) is None
        for bad in ("nope", "/kw", "ops/", "ops/kw/extra"):
            with pytest.raises(ConfigError, match="NAMESPACE/NAME"):
                workload(bad, {}, own, "en", say)


def test_the_probe_runner_and_its_token_error_are_korean(tmp_path: Path) -> None:
    """watch's start line said "점검 실행: the agent DaemonSet in kostack" (and, in a lab, "the
    network lab (ks-...)"), a missing token "...을 읽을 수 없습니다: No such file or directory",
    and English "...agents' token /etc/kostack-agent/token: <redacted> such file or directory"."""
    token = tmp_path / "token"
    args = ("--snapshot", SEED, "--listen", "127.0.0.1:0", "--cycles", "1", "--probes", "agents")
    more = ("--probe-namespace", "kostack", "--probe-token-file", str(token))
    environ = {"KUBECONFIG": str(tmp_path / "kubeconfig")}
    code, _, err = run(*args, *more, "--lang", "ko", environ=environ)
    assert code == 0 and "점검 실행: 네임스페이스 kostack의 점검 에이전트 DaemonSet;" in err, err
    assert f"토큰 {token}을 읽을 수 없습니다: 파일이나 디렉터리가 없습니다(ENOENT)" in err, err
    code, _, err = run(*args, *more, environ=environ)
    assert code == 0 and "probes by the agent DaemonSet in kostack;" in err, err
    # the default path ends in "token": "…/token: No such file" was redacted to "<redacted> such"
    assert f"token ({token}): No such file or directory" in err, err
