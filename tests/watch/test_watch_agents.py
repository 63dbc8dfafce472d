"""The probe agent DaemonSet: agent_daemon serving for real on loopback, the runner finding
the agents through the Kubernetes API double and sending them plans (no pod created).

Every address is on loopback (127.0.0.2 and .3 stand for two nodes' agent pods): nothing is
sent anywhere else.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from watch_testing import listening_ports

from kostack.probe import agent_daemon
from kostack.probe.agents_runner import AgentOptions, agents_runner
from kostack.probe.plan import PlannedProbe, Prediction, ProbePlan
from kostack_lab.kube_objects import namespace_object
from kostack_testkit.kubeapi import KubeApiDouble

TOKEN = "s3cret-token-for-the-agents"
AGENTS = {"node-a": "127.0.0.2", "node-b": "127.0.0.3"}


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound (nobody else can take it) but
    not listening, for as long as the test runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def agent_pod(node: str, ip: str, ready: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"kostack-probe-agent-{node}",
            "namespace": "kostack",
            "labels": {"app.kubernetes.io/name": "kostack-probe-agent"},
        },
        "spec": {"nodeName": node, "containers": [{"name": "agent", "image": "kostack:0.1.0"}]},
        "status": {
            "phase": "Running",
            "podIP": ip,
            "hostIP": ip,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


@pytest.fixture
def started() -> Iterator[list[tuple[Any, Any, agent_daemon.Daemon]]]:
    """One daemon per agent address, all on the same two ports, as in the DaemonSet: the
    first binds free ports (port 0), the others take the ports it got. No port is chosen
    and released before use, so no other process can take it in between."""
    first, *others = AGENTS.values()
    started = [agent_daemon.serve(TOKEN, first, 0, 0)]
    echo, control = (server.server_address[1] for server in started[0][:2])
    started += [agent_daemon.serve(TOKEN, ip, echo, control) for ip in others]
    yield started
    for echo_server, control_server, _ in started:
        for server in (echo_server, control_server):
            server.shutdown()
            server.server_close()


@pytest.fixture
def ports(started: list[tuple[Any, Any, agent_daemon.Daemon]]) -> tuple[int, int]:
    """(echo, control) ports of the agents."""
    return started[0][0].server_address[1], started[0][1].server_address[1]


@pytest.fixture
def daemons(started: list[tuple[Any, Any, agent_daemon.Daemon]]) -> list[agent_daemon.Daemon]:
    return [daemon for _, _, daemon in started]


def probe(pid: str, kind: str, source: str, **fields: Any) -> PlannedProbe:
    return PlannedProbe(
        id=pid,
        kind=kind,
        source_node=source,
        source_class="c",
        target=fields.get("target_node") or str(fields.get("target_ip")),
        target_class="c",
        target_ip=fields.get("target_ip"),
        target_port=fields.get("target_port"),
        target_node=fields.get("target_node"),
        protocol="tcp",
        prediction=Prediction("open"),
        reason="class-pair",
        params=fields.get("params", {}),
    )


def make_plan(echo_port: int, closed: int) -> ProbePlan:
    """``closed``: a port where nothing listens (a refused connection)."""
    probes = (
        probe(
            "pod-http/node-a->node-b",
            "pod-http",
            "node-a",
            target_node="node-b",
            target_port=echo_port,
            params={"path": "/"},
        ),
        probe(
            "api-tcp/node-b",
            "api-tcp",
            "node-b",
            target_ip=ipaddress.ip_address("127.0.0.1"),
            target_port=closed,
        ),
        probe(
            "pod-http/node-c->node-a",
            "pod-http",
            "node-c",
            target_node="node-a",
            target_port=echo_port,
        ),
        probe(
            "pod-http/node-a->node-c",
            "pod-http",
            "node-a",
            target_node="node-c",
            target_port=echo_port,
        ),
    )
    return ProbePlan(
        probes,
        ("node-a", "node-b", "node-c"),
        ("node-a", "node-b", "node-c"),
        3,
        1,
        0,
        2.0,
        echo_port,
    )


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[KubeApiDouble, Path]]:
    pods = [agent_pod(node, ip) for node, ip in AGENTS.items()]
    pods.append(agent_pod("node-c", "127.0.0.4", ready=False))  # not Ready: never used
    with KubeApiDouble([namespace_object("kostack"), *pods]) as api:
        yield api, api.write_kubeconfig(tmp_path / "kubeconfig")


def options(
    tmp_path: Path, kubeconfig: Path, control_port: int, echo_port: int, token: str = TOKEN
) -> AgentOptions:
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    return AgentOptions(
        namespace="kostack",
        token_file=str(token_file),
        control_port=control_port,
        echo_port=echo_port,
        kubeconfig=str(kubeconfig),
        environ={},
    )


def test_a_round_runs_on_the_agents_without_creating_anything(
    tmp_path: Path,
    ports: tuple[int, int],
    daemons: list[agent_daemon.Daemon],
    cluster: tuple[KubeApiDouble, Path],
    closed_port: int,
) -> None:
    echo_port, control_port = ports
    api, kubeconfig = cluster
    round_ = agents_runner(options(tmp_path, kubeconfig, control_port, echo_port))(
        make_plan(echo_port, closed_port)
    )
    verdicts = {r.id: (r.verdict, r.target_ip, r.source_pod) for r in round_.results}
    assert verdicts["pod-http/node-a->node-b"] == (
        "pass",
        "127.0.0.3",
        "kostack/kostack-probe-agent-node-a",
    )
    assert verdicts["api-tcp/node-b"][0] == "fail"
    assert verdicts["pod-http/node-c->node-a"][0] == "skipped"  # no Ready agent on the source
    assert verdicts["pod-http/node-a->node-c"][0] == "skipped"  # ... nor on the target
    assert "no Ready probe agent on 1 source node: node-c" in round_.problems
    assert round_.runner == "agents" and sum(d.runs for d in daemons) == 2
    # read-only: the runner only listed pods
    writes = [r for r in api.requests if r.method not in ("GET",)]
    assert writes == []
    assert api.request_count(resource="pods", verb="list", namespace="kostack") == 1


def test_a_wrong_token_runs_nothing(
    tmp_path: Path,
    ports: tuple[int, int],
    daemons: list[agent_daemon.Daemon],
    cluster: tuple[KubeApiDouble, Path],
    closed_port: int,
) -> None:
    echo_port, control_port = ports
    _, kubeconfig = cluster
    runner = agents_runner(
        options(tmp_path, kubeconfig, control_port, echo_port, token="not-the-right-token")
    )
    round_ = runner(make_plan(echo_port, closed_port))
    result = next(r for r in round_.results if r.id == "pod-http/node-a->node-b")
    assert result.verdict == "error" and "HTTP 401" in result.detail
    assert sum(d.runs for d in daemons) == 0


def test_the_control_port_refuses_oversized_busy_and_bad_plans(
    ports: tuple[int, int], daemons: list[agent_daemon.Daemon]
) -> None:
    _, control_port = ports
    url = f"http://127.0.0.2:{control_port}/v1/run"

    def post(body: bytes, token: str = TOKEN) -> tuple[int, str]:
        request = urllib.request.Request(
            url, data=body, headers={"Authorization": f"Bearer {token}"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    assert post(b"x" * (agent_daemon.MAX_BODY + 1))[0] == 413
    code, text = post(
        json.dumps(
            {"probes": [{"id": "a", "kind": "tcp", "host": "example.com", "port": 1}]}
        ).encode()
    )
    assert code == 400 and "never resolves names" in json.loads(text)["error"]
    # a plan nested past the parser's recursion limit is refused, not a dropped connection
    code, text = post(b"[" * 100_000 + b"]" * 100_000)
    assert code == 400 and "the plan is not JSON" in json.loads(text)["error"]
    daemons[0].busy.acquire()
    try:
        assert post(b"{}")[0] == 429
    finally:
        daemons[0].busy.release()
    with urllib.request.urlopen(f"http://127.0.0.2:{control_port}/healthz", timeout=5) as answer:
        assert answer.status == 200


def test_the_daemon_needs_a_token_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert agent_daemon.main(["--echo-port", "0"]) == 2
    short = tmp_path / "short"
    short.write_text("abc")
    assert agent_daemon.main(["--token-file", str(short)]) == 2
    assert "at least 16 characters" in capsys.readouterr().err


def test_the_daemon_is_python_3_8() -> None:
    vermin = Path(sys.executable).with_name("vermin")
    done = subprocess.run(
        [str(vermin), "-t=3.8-", "--no-tips", "--violations", agent_daemon.__file__],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_daemon_runs_by_path_next_to_the_agent(tmp_path: Path) -> None:
    """As in an image without kostack installed: `python3 -I agent_daemon.py` beside agent.py.

    Port 0 on both: the JSON line it prints says the ports it bound, and they answer."""
    token = tmp_path / "token"
    token.write_text(TOKEN)
    process = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-S",  # no site-packages: kostack is not importable, agent.py beside it is
            agent_daemon.__file__,
            "--token-file",
            str(token),
            "--bind",
            "127.0.0.5",
            "--echo-port",
            "0",
            "--control-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        bound = json.loads(process.stdout.readline())
        echo_port, control_port = bound["echo"], bound["control"]
        assert 0 not in (echo_port, control_port) and echo_port != control_port
        assert listening_ports(process.pid) == {echo_port, control_port}
        with urllib.request.urlopen(f"http://127.0.0.5:{echo_port}/bytes/10", timeout=5) as answer:
            assert answer.read() == b"x" * 10
        with urllib.request.urlopen(
            f"http://127.0.0.5:{control_port}/healthz", timeout=5
        ) as answer:
            assert answer.status == 200
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_the_agent_runners_errors_are_said_in_both_languages(tmp_path: Path) -> None:
    """No Ready agent, an unreadable token, a refused listing: each a message in both languages."""
    from kostack.catalog import localize
    from kostack.errors import ProbeError

    pods = [agent_pod("node-a", "127.0.0.2", ready=False)]
    with KubeApiDouble([namespace_object("kostack"), *pods]) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        plan = make_plan(1, 2)
        with pytest.raises(ProbeError) as none:
            agents_runner(options(tmp_path, kubeconfig, 1, 2))(plan)
        missing = AgentOptions(namespace="kostack", token_file=str(tmp_path / "nope"),
                               kubeconfig=str(kubeconfig), environ={})  # fmt: skip
        with pytest.raises(ProbeError) as token:
            agents_runner(missing)(plan)
        api.inject_fault("", "pods", status=403, verbs={"list"})
        with pytest.raises(ProbeError) as listing:
            agents_runner(options(tmp_path, kubeconfig, 1, 2))(plan)
    assert none.value.message.startswith("no Ready probe agent in namespace kostack (")
    assert localize(none.value.message, "ko").startswith(
        "네임스페이스 kostack에 Ready 상태인 점검 에이전트가 없습니다 ("
    )
    assert localize(none.value.hint, "ko").endswith("--probes off로 실행하세요")
    assert localize(token.value.message, "ko").startswith(
        f"점검 에이전트의 토큰 {tmp_path / 'nope'}를 읽을 수 없습니다: "
    )
    assert listing.value.message.startswith("listing the probe agents in kostack failed: ")
    assert localize(listing.value.message, "ko").startswith(
        "kostack의 점검 에이전트 목록 읽기 실패: "
    )


def test_an_answer_too_big_is_no_agents_report_and_is_said_in_both_languages() -> None:
    """Something else listening on the agent port, sending without end: the runner reads at most
    16 MiB and says so, in the round's language, instead of reading until memory runs out."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from kostack.catalog import localize
    from kostack.probe.agents_runner import AgentPod, AgentUnreachable, http_send
    from kostack.report.probe_matrix import render_matrix

    chunk = b"x" * (1 << 20)

    class Flood(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.end_headers()
            for _ in range(17):
                self.wfile.write(chunk)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flood)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        send = http_send("t", port=server.server_address[1], timeout=10)
        pod = AgentPod("node-a", "kostack", "agent-a", "127.0.0.1", "127.0.0.1")
        with pytest.raises(AgentUnreachable) as too_big:
            send(pod, {"probes": []})
    finally:
        server.shutdown()
    problem = too_big.value.args[0]
    assert str(problem) == "agent agent-a answered more than 16 MiB: not a probe agent's report"
    assert localize(problem, "ko").startswith("에이전트 agent-a가 16 MiB가 넘게 응답했습니다")
    from kostack_testkit.builders import build, example_doc

    screen = render_matrix(
        build(example_doc("seed-fixed")),
        "ko",
        seconds=1.0,
        timeout=1.0,
        node_count=1,
        class_count=1,
        problems=(problem,),
    )
    assert "16 MiB가 넘게 응답했습니다" in screen and "answered more than" not in screen


# A round whose agents hold their answers: the process must still end with its main thread
# (`kostack watch` abandons a stuck cycle on SIGTERM, docs/watch.md). A ThreadPoolExecutor's
# threads are joined at exit, so the process stayed until every send timed out.
HELD_ROUND = """
import sys, threading
sys.path.insert(0, {here!r})
from test_watch_agents import AGENTS, make_plan
from kostack.probe.agents_runner import AgentPod, run_with_agents

agents = {{n: AgentPod(n, "kostack", "agent-" + n, ip, ip) for n, ip in AGENTS.items()}}
sending = threading.Semaphore(0)

def send(agent, document):
    sending.release()
    threading.Event().wait(300)  # an agent that holds its answer
    return ""

threading.Thread(target=run_with_agents, args=(make_plan(9, 9), agents, send), daemon=True).start()
for _ in agents:
    sending.acquire()
print("both sends in flight; the main thread ends")
"""


def test_a_held_round_does_not_keep_the_process_alive() -> None:
    here = str(Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, "-c", HELD_ROUND.format(here=here)],
        capture_output=True,
        text=True,
        timeout=120,  # the held sends last 300 s: the old runner's exit waited for them
        check=False,
    )
    assert done.stdout.strip() == "both sends in flight; the main thread ends", done.stderr
    assert done.returncode == 0, done.stderr


def test_a_deeply_nested_plan_is_refused_before_the_parser_recurses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nesting is counted in one pass before json.loads: a RecursionError deep in the parser
    could also strike a garbage-collector finalizer (an unraisable error a fresh-clone CI
    caught). Brackets inside strings, escaped quotes among them, do not count."""
    assert not agent_daemon._nests_deeper("[" * 64 + "]" * 64, agent_daemon.MAX_DEPTH)
    assert agent_daemon._nests_deeper("[" * 65 + "]" * 65, agent_daemon.MAX_DEPTH)
    quoted = json.dumps({"id": "[" * 500 + '\\"{' * 100})
    assert not agent_daemon._nests_deeper(quoted, agent_daemon.MAX_DEPTH)

    def parse(_text: str) -> None:
        raise AssertionError("parsed a plan nested past MAX_DEPTH")

    monkeypatch.setattr(agent_daemon.json, "loads", parse)
    code, text = agent_daemon.Daemon(TOKEN).run(b"[" * 100_000 + b"]" * 100_000)
    assert code == 400 and "nests too deeply" in text
