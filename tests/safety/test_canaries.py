"""Secret canaries: every command, on success and on every error path, with and without --debug.

The canaries (safety_world.Canaries) are really used: Keystone checks the
password (from secure.yaml), the application-credential secret, the token and
an openrc's OS_PASSWORD, and issues a token of its own; the Kubernetes API
double accepts only the kubeconfig's bearer token (or, for the exec case, only
the token the exec plugin prints); a Helm release's values and its manifest's
Secret data are quoted back by its crash-looping pod. Error paths come from
servers that echo the request (headers with X-Auth-Token or Authorization,
bodies with the password) in 401, 403 and 500 answers, servers that refuse
connections, never answer or answer too late, and answers that are not JSON.

After each command, stdout, stderr and every file under the test's
directory (snapshots, reports, journals, and anything else) are searched for
every canary, whole, in part and base64-encoded: there must be none. Each run
starts with a redactor that knows nothing (`safety_world.forget_secrets`), so a
command cannot lean on what an earlier one learned.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from safety_world import SHORT_TIMEOUT, Run, World

pytestmark = pytest.mark.neutron

ROOT = Path(__file__).resolve().parents[2]
FIXED = str(ROOT / "examples" / "seed-fixed.json")

# OpenStack paths: the cloud, and the exit code `collect` gives (None: any but 70).
OS_PATHS: dict[str, int | None] = {
    "pw": 0,  # password from secure.yaml
    "app": 0,  # application credential
    "tok": 0,  # token auth
    "openrc": 0,  # OS_* variables only
    "wrong": 3,  # 401 echoing the request body (with the password) and headers
    "refused": 3,  # 401 to everything, version discovery included (the keystoneauth deadlock)
    "neutron403": 3,  # Neutron 403 echoing X-Auth-Token on every listing
    "neutron500": 4,  # Neutron 500 echoing X-Auth-Token: every listing a gap
    "down": 3,  # connection refused
    "silent": 3,  # accepts, never answers
    "slow": 3,  # answers after the deadline
    "garbage": 3,  # 200 with a body that is not JSON
}
# Kubernetes paths (with the quick cloud): the kubeconfig, and `collect`'s exit code.
KUBE_PATHS: dict[str, int | None] = {
    "kube": 0,  # token, client key and certificate, basic auth in the kubeconfig
    "kube-exec": 0,  # an exec plugin's token
    "kube-closed": 3,
    "kube-401": 3,  # 401 echoing the Authorization header
    "kube-403": 3,
    "kube-500": None,
    "kube-garbage": None,
    "kube-silent": 3,
}
WAITING = {"silent", "slow", "kube-silent"}
# Commands other than `collect` read through the same collectors: they get one success path and
# every error path (how each command renders what went wrong is what differs).
OS_ERRORS = ("pw", *(p for p, code in OS_PATHS.items() if code != 0))
KUBE_ERRORS = tuple(p for p, code in KUBE_PATHS.items() if code != 0)
DEBUG = ((), ("--debug",))

Args = Callable[[str, str, str], list[str]]  # (cloud, kubeconfig, unique) -> argv


@dataclass(frozen=True)
class Case:
    command: str
    path: str
    debug: bool
    code: int


def run_paths(
    world: World,
    command: str,
    args: Args,
    *,
    os_paths: Iterable[str] = OS_PATHS,
    kube_paths: Iterable[str] = KUBE_PATHS,
    expect: Callable[[str], int | None] | None = None,
) -> list[Case]:
    """Run ``command`` on every path, with and without --debug; every run must end cleanly."""
    cases = []
    plan = [(p, "kube", p) for p in os_paths] + [("quick", k, k) for k in kube_paths]
    for cloud, kube, path in plan:
        for debug in DEBUG:
            environ = world.environ(
                KOSTACK_TIMEOUT=SHORT_TIMEOUT if path in WAITING else "30",
                **(world.openrc() if cloud == "openrc" else {}),
            )
            unique = f"{command.replace(' ', '-')}-{path}-{len(debug)}"
            argv = args("" if cloud == "openrc" else cloud, str(world.kubeconfigs[kube]), unique)
            if cloud == "openrc":  # no --os-cloud: the OS_* variables are the cloud
                argv = [a for a in argv if a not in ("--os-cloud", "")]
            if path in WAITING and argv[0] == "guard":
                # guard reads no KOSTACK_TIMEOUT: its --timeout (default 20 s, at least 1 s)
                # is the short one here, or each waiting path took 21 s (10 of them per test)
                argv += ["--timeout", "1"]
            run = world.run(*debug, *argv, environ=environ)
            wanted = expect(path) if expect else None
            assert run.code != 70, f"{path} {debug}: {run.stderr[-3000:]}"
            if wanted is not None:
                assert run.code == wanted, f"{command} on {path} {debug}: {run.stderr[-3000:]}"
            if debug:
                assert run.stderr, f"{path}: --debug says nothing"
            cases.append(Case(command, path, bool(debug), run.code))
    return cases


def assert_clean(world: World, cases: list[Case]) -> None:
    leaks = world.leaks()
    assert leaks == [], "\n".join(leaks[:40])
    print(f"\ncanary cases: {len(cases)} runs, 0 leaks")


def collect_codes(path: str) -> int | None:
    return OS_PATHS.get(path, KUBE_PATHS.get(path))


def os_failure(path: str) -> int | None:
    """Commands that stop when OpenStack cannot be read: exit 3 on the OpenStack error paths."""
    code = OS_PATHS.get(path)
    return 3 if code == 3 else None


def live(command: list[str], *extra: str) -> Args:
    return lambda cloud, kube, unique: [
        *command,
        "--os-cloud",
        cloud,
        "--kubeconfig",
        kube,
        *(e.replace("{u}", unique) for e in extra),
    ]


def used_for_real(world: World, runs: list[Run], *, every_auth: bool = False) -> None:
    """The canaries were sent, so a leak would have shown: Keystone and the API servers saw them."""
    c = world.canaries
    sent = world.keystone.seen()
    others = (c.os_app_secret, c.os_token, c.os_env_password) if every_auth else ()
    for secret in (c.os_password, *others):
        assert secret.encode() in sent
    assert c.issued_token.encode() in world.servers["neutron-500"].seen()
    assert c.kube_token.encode() in world.servers["kube-401"].seen()
    assert any(r.code in (0, 1, 4) for r in runs)


# --------------------------------------------------------------------------- reading commands


def test_collect(world: World) -> None:
    out = world.out
    cases = run_paths(
        world,
        "collect",
        live(["collect"], "-o", str(out / "{u}.json")),
        expect=collect_codes,
    )
    snapshot = yaml.safe_load((out / "collect-pw-0.json").read_text())
    assert snapshot["openstack"]["project_name"] == "k8s"  # the canary password got in
    releases = {r["name"] for r in snapshot["helm"]["releases"]}
    assert "vault" in releases  # the release with the Secret canary was read
    exec_snapshot = yaml.safe_load((out / "collect-kube-exec-0.json").read_text())
    assert exec_snapshot["cluster"]["nodes"]  # the exec plugin's token was accepted
    used_for_real(world, world.runs, every_auth=True)
    assert_clean(world, cases)


def test_collect_reports_the_keystone_refusal_in_one_line(world: World) -> None:
    run = world.run(
        "collect", "--os-cloud", "refused", "--kubeconfig", str(world.kubeconfigs["kube"])
    )
    assert run.code == 3
    first = run.stderr.splitlines()[0]
    assert first.startswith(
        f"error: OpenStack rejected the credentials: {world.servers['keystone-refuse-all'].url}/v3 "
        "answered 401 to GET /v3 with the password of user kostack-user in domain Default "
        "(cloud 'refused', auth type password)"
    )
    assert run.stderr.splitlines()[1].startswith("hint: ")
    assert len(run.stderr.splitlines()) == 2  # no library log line before it
    assert_clean(world, [])


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("diagnose", live(["diagnose"], "-v")),
        ("trace", live(["trace", "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp"])),
        ("fix plan", live(["fix", "plan"], "-o", "script")),
        ("report", live(["report"], "-o", "{u}.html")),
        ("probe", live(["probe"])),
    ],
)
def test_live_commands(
    world: World, command: str, args: Args, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(world.out)  # relative outputs (reports) land where they are searched
    cases = run_paths(
        world, command, args, os_paths=OS_ERRORS, kube_paths=KUBE_ERRORS, expect=os_failure
    )
    used_for_real(world, world.runs)
    assert_clean(world, cases)


def test_release_commands(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(world.out)
    values = world.tmp / "inputs" / "values.yaml"
    values.write_text(
        yaml.safe_dump({"auth": {"username": "app", "password": world.canaries.helm_values}}),
        encoding="utf-8",
    )
    check = live(["release", "check"], "-v")
    reinstall = live(
        ["release", "reinstall", "vault", "--namespace", "vault", "--chart", "bitnami/postgresql"],
        "--values",
        str(values),
    )
    cases = run_paths(world, "release check", check, os_paths=OS_ERRORS, kube_paths=KUBE_ERRORS)
    # the reinstall plan reads the same way; its own rendering of a failed network read is
    # the gate's note: a few kinds of failure suffice
    cases += run_paths(
        world,
        "release reinstall",
        reinstall,
        os_paths=("pw", "wrong", "neutron500", "silent"),
        kube_paths=KUBE_ERRORS,
    )
    # the vault release and its crash were read (so its secrets were met)
    checked = next(r for r in world.runs if r.args[:3] == ("release", "check", "--os-cloud"))
    assert "vault" in checked.stdout
    assert_clean(world, cases)


@pytest.mark.parametrize("debug", DEBUG, ids=("plain", "debug"))
def test_release_reinstall_carried_out(
    world: World, tmp_path: Path, debug: tuple[str, ...]
) -> None:
    """--yes with kostack's fake helm: every step journaled, the journal clean.

    One run per test, so each finds the release as the world planted it (a world of its own).
    """
    bindir = tmp_path / "bin"
    bindir.mkdir()
    helm = bindir / "helm"
    helm.write_text(
        f"#!{sys.executable}\nimport sys\nfrom kostack_testkit.helm_fake import main\nsys.exit(main())\n",
        encoding="utf-8",
    )
    helm.chmod(0o755)
    values = world.tmp / "inputs" / "values.yaml"
    values.write_text(
        yaml.safe_dump({"auth": {"username": "app", "password": world.canaries.helm_values}}),
        encoding="utf-8",
    )
    journal = world.out / f"reinstall-{len(debug)}.jsonl"
    run = world.run(
        *debug,
        "release",
        "reinstall",
        "vault",
        "--namespace",
        "vault",
        "--chart",
        "bitnami/postgresql",
        "--values",
        str(values),
        "--snapshot",
        FIXED,
        "--kubeconfig",
        str(world.kubeconfigs["kube"]),
        "--yes",
        "--journal",
        str(journal),
        environ=world.environ(PATH=f"{bindir}:/usr/bin:/bin"),
    )
    assert run.code in (0, 5), run.stderr[-3000:]
    assert journal.exists()
    if debug:
        assert run.stderr, "--debug says nothing"
    assert_clean(world, [Case("release reinstall --yes", "kube", bool(debug), run.code)])


def test_preflight(world: World) -> None:
    def args(cloud: str, _kube: str, _unique: str) -> list[str]:
        return [
            "preflight",
            "--network",
            "k8s-net",
            "--pod-cidr",
            "10.244.0.0/16",
            "--service-cidr",
            "10.96.0.0/12",
            "--os-cloud",
            cloud,
        ]

    cases = run_paths(
        world, "preflight", args, os_paths=OS_ERRORS, kube_paths=(), expect=os_failure
    )
    assert_clean(world, cases)


def test_watch(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """One live cycle on every path; what its endpoints served and the Events it posted too.

    Before the server stops (after the cycle), every endpoint is fetched over
    HTTP from the running server and kept as a file, so the leak search sees
    exactly what a Prometheus or a curl would have got.
    """
    from kostack.serve.status import ModeServer

    served = world.out / "served"
    served.mkdir()
    stop = ModeServer.stop
    endpoints = ("/status", "/metrics", "/readyz", "/healthz")

    def scrape_then_stop(server: ModeServer) -> None:
        run = len(list(served.glob("*-status.txt")))
        for endpoint in endpoints:
            url = f"http://127.0.0.1:{server.port}{endpoint}"
            try:
                with urllib.request.urlopen(url, timeout=30) as answer:
                    body = answer.read()
            except urllib.error.HTTPError as exc:  # /readyz: 503 after a stale cycle
                body = exc.read()
            (served / f"{run}-{endpoint.strip('/')}.txt").write_bytes(body)
        stop(server)

    monkeypatch.setattr(ModeServer, "stop", scrape_then_stop)
    watch = live(["watch"], "--listen", "127.0.0.1:0", "--cycles", "1", "--interval", "1")
    cases = run_paths(
        world, "watch", watch, os_paths=OS_ERRORS, kube_paths=KUBE_ERRORS, expect=lambda _: 0
    )
    statuses = [json.loads(p.read_text()) for p in sorted(served.glob("*-status.txt"))]
    assert len(statuses) == len(cases)  # every run served, and was fetched
    read = [s for s in statuses if s["last_cycle"]["result"] == "ok"]
    assert read and all(s["diagnosis"]["findings"] for s in read)
    # error paths: the sources' errors are published (and were searched)
    assert sum(not s["sources"]["openstack"]["up"] for s in statuses) >= len(OS_ERRORS) - 2
    assert sum(not s["sources"]["kubernetes"]["up"] for s in statuses) >= len(KUBE_ERRORS) - 2
    # the Events kostack posted (the cluster's own, a crash quoting the Secret, are planted)
    events = [
        e
        for e in world.api.list_objects("v1", "Event")
        if e.get("source", {}).get("component") == "kostack-watch"
    ]
    assert events  # the root causes of the successful cycles were posted
    (served / "events.json").write_text(json.dumps(events), encoding="utf-8")
    used_for_real(world, world.runs)
    assert_clean(world, cases)


# --------------------------------------------------------------------------- changing commands


def test_fix_apply_and_rollback(world: World) -> None:
    """Errors first (nothing changes), then the real apply and its rollback; journals clean."""
    snapshot = world.out / "seed.json"
    first = world.run(
        "collect",
        "--os-cloud",
        "pw",
        "--kubeconfig",
        str(world.kubeconfigs["kube"]),
        "-o",
        str(snapshot),
    )
    assert first.code == 0, first.stderr

    def apply(cloud: str, kube: str, unique: str) -> list[str]:
        return [
            "fix",
            "apply",
            "--snapshot",
            str(snapshot),
            "--os-cloud",
            cloud,
            "--yes",
            "--no-verify",
            "--journal",
            str(world.out / f"{unique}.jsonl"),
        ]

    failing = [p for p in OS_PATHS if OS_PATHS[p] != 0]
    cases = run_paths(world, "fix apply", apply, os_paths=failing, kube_paths=())
    # live planning on the cluster's error paths: a dry run (nothing may change here)
    dry = live(["fix", "apply"], "--no-verify")
    cases += run_paths(world, "fix apply (plan live)", dry, os_paths=(), kube_paths=KUBE_ERRORS)
    journal = world.out / "applied.jsonl"
    applied = world.run(*apply("pw", "", "applied"))
    assert applied.code == 0, applied.stderr
    cases.append(Case("fix apply", "pw", False, applied.code))

    def rollback(cloud: str, _kube: str, _unique: str) -> list[str]:
        return ["fix", "rollback", str(journal), "--yes", "--os-cloud", cloud]

    cases += run_paths(world, "fix rollback", rollback, os_paths=failing, kube_paths=())
    undone = world.run("--debug", *rollback("pw", "", ""))
    assert undone.code == 0, undone.stderr
    cases.append(Case("fix rollback", "pw", True, undone.code))
    assert_clean(world, cases)


def test_lab_commands_with_credentials_in_the_environment(world: World, tmp_path: Path) -> None:
    """The lab reads no credential, but runs with an openrc loaded: none may show up."""
    cases = []
    environ = world.environ(**world.openrc(), KOSTACK_LAB_STATE_DIR=str(tmp_path / "lab"))
    for argv in (["lab", "scenarios"], ["lab", "status"], ["lab", "down"], ["lab", "probe"]):
        for debug in DEBUG:
            run = world.run(*debug, *argv, environ=environ)
            assert run.code != 70, run.stderr
            cases.append(Case(" ".join(argv), "openrc", bool(debug), run.code))
    assert_clean(world, cases)


@pytest.mark.lab
def test_lab_up_with_credentials_in_the_environment(world: World, tmp_path: Path) -> None:
    """`lab up` with an openrc and a token kubeconfig loaded; the lab's own kubeconfig and every
    file of its state are searched before `lab down` (always run) removes them.

    --no-neutron: the lab's own Neutron (a 370 MB install on first use) is not started here.
    """
    from kostack_lab.netns import list_namespaces

    environ = world.environ(**world.openrc(), KUBECONFIG=str(world.kubeconfigs["kube"]))
    cases = []
    names = []
    for debug in DEBUG:
        name = f"c{os.getpid() % 1_000_000}{len(debug)}"  # this process's, 1-8 letters/digits
        names.append(name)
        state = tmp_path / f"lab-{name}"
        where = ["--name", name, "--state-dir", str(state)]
        try:
            up = world.run(
                *debug, "lab", "up", "--scenario", "fixed", "--no-neutron", *where, environ=environ
            )
            cases.append(Case("lab up", "openrc", bool(debug), up.code))
            assert up.code == 0, up.stderr[-3000:]
            # the cluster it prints is the lab's own, never the kubeconfig in the environment
            assert up.stdout.splitlines()[-1] == f"export KUBECONFIG={state}/kubeconfig"
            # `lab down` deletes the state: keep a copy of every file it wrote, to be searched
            kept = world.out / f"lab-up-{len(debug)}"
            for path in state.rglob("*"):
                if path.is_file() and not path.is_symlink():
                    copy = kept / path.relative_to(state)
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    copy.write_bytes(path.read_bytes())
            assert (kept / "kubeconfig").is_file()
        finally:
            down = world.run(*debug, "lab", "down", *where, environ=environ)
            cases.append(Case("lab down", "openrc", bool(debug), down.code))
        assert down.code == 0, down.stderr[-3000:]
    left = [n for n in list_namespaces() if any(n.startswith(f"ks-{m}-") for m in names)]
    assert left == [], f"namespaces left behind: {left}"
    assert_clean(world, cases)


def test_guard(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """`guard --once`: audit on every path (text and JSON); enforce, with its journal, on the
    error paths (the success path would change the shared Neutron that later tests read)."""
    monkeypatch.chdir(world.out)
    audit = live(["guard", "--once"])
    audit_json = live(["guard", "--once", "-o", "json"])
    enforce = live(["guard", "--once", "--mode", "enforce"], "--journal-dir", "{u}")
    cases = run_paths(
        world, "guard", audit, os_paths=OS_ERRORS, kube_paths=KUBE_ERRORS, expect=os_failure
    )
    cases += run_paths(
        world, "guard json", audit_json, os_paths=("pw", "wrong", "neutron500"), kube_paths=()
    )
    errors = tuple(p for p in OS_ERRORS if p != "pw")
    cases += run_paths(
        world, "guard enforce", enforce, os_paths=errors, kube_paths=KUBE_ERRORS, expect=os_failure
    )
    read = next(r for r in world.runs if r.args[:4] == ("guard", "--once", "--os-cloud", "pw"))
    assert read.code in (0, 1, 4) and "kostack guard" in read.stdout  # the cloud was read
    used_for_real(world, world.runs)
    assert_clean(world, cases)
