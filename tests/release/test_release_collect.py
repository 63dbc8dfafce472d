"""Reading Helm releases and their storage through the official client, without helm."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import re
from pathlib import Path

import pytest
from release_testing import EXAMPLES, Served, serve

from kostack.catalog import localize
from kostack.collect.helm import HelmCollection, Scrubber, decode_release, settings_of
from kostack.collect.helm_objects import error_lines
from kostack.collect.helm_release import ReleaseDecodeError, value_paths
from kostack_testkit import helm_fixtures as hf
from kostack_testkit.helm_fixture_storage import release_configmap


def release(collection: HelmCollection, namespace: str, name: str):  # type: ignore[no-untyped-def]
    assert collection.state.releases is not None
    return next(r for r in collection.state.releases if (r.namespace, r.name) == (namespace, name))


def test_releases_in_all_namespaces_with_history(collected: HelmCollection) -> None:
    state = collected.state
    assert collected.gaps == ()
    assert state.releases is not None
    assert sorted((r.namespace, r.name, r.status) for r in state.releases) == [
        ("default", "harbor", "failed"),
        ("default", "pg", "deployed"),
        ("harbor", "harbor", "failed"),
        ("team-a", "harbor", "deployed"),
    ]
    seed = release(collected, "default", "harbor")
    assert [(h.revision, h.status) for h in seed.history] == [(1, "superseded"), (2, "failed")]
    assert seed.revision == 2
    assert seed.storage_object == "sh.helm.release.v1.harbor.v2"
    assert (
        seed.chart == "harbor" and seed.chart_version == "1.18.0" and seed.app_version == "2.14.0"
    )
    assert seed.first_deployed == "2025-10-22T11:02:03+09:00"
    assert seed.description == 'Upgrade "harbor" failed: context deadline exceeded'


def test_manifest_is_reduced_to_what_ownership_needs(collected: HelmCollection) -> None:
    seed = release(collected, "default", "harbor")
    assert {p.name: p.keep for p in seed.manifest_pvcs} == {
        "harbor-registry": True,
        "harbor-jobservice": True,
    }
    sets = {s.name: s for s in seed.manifest_statefulsets}
    assert set(sets) == {"harbor-database", "harbor-redis", "harbor-trivy"}
    assert [t.name for t in sets["harbor-database"].claim_templates] == ["database-data"]
    assert sets["harbor-database"].selector == {
        "release": "harbor",
        "app": "harbor",
        "component": "database",
    }
    assert ("Secret", "harbor-core") in {(o.kind, o.name) for o in seed.objects}
    newer = release(collected, "harbor", "harbor")
    assert newer.manifest_pvcs == ()
    assert all(not s.claim_templates for s in newer.manifest_statefulsets)
    assert newer.settings["persistence.enabled"] == "false"


def test_values_are_never_kept_only_their_key_paths(collected: HelmCollection) -> None:
    seed = release(collected, "default", "harbor")
    assert "harborAdminPassword" in seed.values_keys
    assert "database.internal.password" in seed.values_keys
    assert set(seed.secret_keys) == {
        "harborAdminPassword",
        "database.internal.password",
        "secretKey",
    }
    dumped = collected.state.model_dump_json()
    for canary in hf.CANARIES:
        assert canary not in dumped
        assert base64.b64encode(canary.encode()).decode() not in dumped
    # the chart's own default secrets are not kept either
    for default_secret in (
        "Harbor12345",
        "not-a-secure-key",
        "changeit",
        "harbor_registry_password",
    ):
        assert default_secret not in dumped


def test_pvcs_pvs_pods_and_events(collected: HelmCollection) -> None:
    state = collected.state
    assert state.pvcs is not None and state.pvs is not None and state.pods is not None
    pvc = next(p for p in state.pvcs if (p.namespace, p.name) == ("default", "harbor-registry"))
    assert pvc.phase == "Bound" and pvc.size == "5Gi" and pvc.volume_name
    assert pvc.annotations["helm.sh/resource-policy"] == "keep"
    pv = next(v for v in state.pvs if v.name == pvc.volume_name)
    assert pv.reclaim_policy == "Delete"
    assert pv.claim == "default/harbor-registry"
    assert pv.source is not None and pv.source.startswith("csi cinder.csi.openstack.org ")
    job = next(p for p in state.pods if p.name == "harbor-jobservice-5c8d7f9b4-k8p2n")
    assert job.ready is False
    assert job.containers[0].reason == "CrashLoopBackOff"
    assert job.containers[0].last_exit_code == 2
    assert any("connection refused" in line for line in job.log_lines)
    core = next(p for p in state.pods if p.name == "harbor-core-7d9f8b6c5d-q2x7m")
    assert any("i/o timeout" in line for line in core.log_lines)
    assert state.events is not None
    assert any(e.reason == "Unhealthy" and e.name == core.name for e in state.events)
    assert state.statefulsets is not None
    assert state.context_namespace == "default"


def test_forbidden_secrets_is_a_gap_not_an_empty_list(tmp_path: Path) -> None:
    with serve(hf.harbor_seed(), tmp_path) as s:
        s.api.inject_fault("", "secrets", status=403, verbs=["list"])
        collection = s.collect()
    assert collection.state.releases is None
    gap = next(g for g in collection.gaps if g.source == "helm.releases")
    assert "403" in gap.error and "secrets" in gap.hint
    # the commands that read Helm without --namespace (collect, live diagnose, report) are
    # not told to narrow the check with an option they lack
    assert "--namespace" not in gap.hint.split("`kostack release`")[0]
    assert "`kostack collect --no-helm`" in gap.hint
    assert "`kostack collect --no-helm`" in localize(gap.hint, "ko")
    assert collection.state.pvcs is not None


def test_configmap_driver_and_undecodable_records(served: Served) -> None:
    record = hf.release_record(
        name="cm-app",
        namespace="default",
        revision=1,
        status="deployed",
        chart=hf.POSTGRESQL_CHART,
        default_values={},
        values={"auth": {"postgresPassword": "cm-secret-value"}},
        manifest="",
        first_deployed=hf.at(100),
        last_deployed=hf.at(100),
        description="Install complete",
    )
    served.api.add(release_configmap(record, created=hf.at(100)))
    broken = hf.release_secret(record, created=hf.at(100))
    broken["metadata"]["name"] = "sh.helm.release.v1.broken.v1"
    broken["metadata"]["labels"]["name"] = "broken"
    broken["data"]["release"] = base64.b64encode(b"not base64 at all!").decode()
    served.api.add(broken)
    collection = served.collect()
    names = {(r.namespace, r.name, r.storage) for r in collection.state.releases or ()}
    assert ("default", "cm-app", "configmap") in names
    assert not any(name == "broken" for _, name, _ in names)
    assert any("cannot decode" in g.error for g in collection.gaps)
    assert "cm-secret-value" not in collection.state.model_dump_json()


def test_decode_release_variants() -> None:
    record = {"name": "x", "version": 1, "info": {"status": "deployed"}}
    helm = hf.encode_release(record)
    assert decode_release(base64.b64encode(helm.encode()).decode()) == record
    assert decode_release(helm, double_base64=False) == record
    # before compression, releases were plain JSON after the base64
    plain = base64.b64encode(b'{"name":"old","version":3}').decode()
    assert decode_release(plain, double_base64=False)["name"] == "old"
    with pytest.raises(ReleaseDecodeError):
        decode_release("!!!")


def _b64(raw: bytes) -> str:
    return base64.b64encode(base64.b64encode(raw)).decode()


@pytest.mark.parametrize(
    ("data", "english", "korean"),
    [
        ("!!!", "not base64: Only", "base64 형식이 아닙니다: “Only"),
        (_b64(gzip.compress(b"{}", mtime=0)[:-9]), "not gzip: the compressed data ends too early",
         "gzip 형식이 아닙니다: 압축된 데이터가 중간에 끝납니다"),
        (_b64(b"{x"), "not JSON: Expecting", "JSON 형식이 아닙니다: “Expecting"),
        (_b64(b"[1]"), "the release is not a JSON object", "릴리스가 JSON 객체가 아닙니다"),
    ],
)  # fmt: skip
def test_why_a_release_cannot_be_decoded_is_said_in_korean(
    data: str, english: str, korean: str
) -> None:
    """kostack's words were English in Korean; the decoder's own stay quoted."""
    with pytest.raises(ReleaseDecodeError) as caught:
        decode_release(data)
    (why,) = caught.value.args
    assert why.startswith(english) and localize(why, "ko").startswith(korean), why


def test_value_paths_settings_and_scrubbing() -> None:
    values = {
        "expose": {"tls": {"enabled": False}},
        "harborAdminPassword": "s3cret-admin",
        "items": [{"name": "a", "token": "tok-123456"}],
        "persistence": {"enabled": True},
    }
    assert value_paths(values) == [
        "expose.tls.enabled",
        "harborAdminPassword",
        "items[].name",
        "items[].token",
        "persistence.enabled",
    ]
    assert settings_of(values, {"persistence": {"resourcePolicy": "keep"}}) == {
        "persistence.enabled": "true",
        "persistence.resourcePolicy": "keep",
    }
    scrub = Scrubber()
    scrub.learn(values)
    text = (
        "login with s3cret-admin failed; password=hunter2 url=redis://u:p4ss@host:6379 tok-123456"
    )
    cleaned = scrub(text)
    for secret in ("s3cret-admin", "hunter2", "p4ss", "tok-123456"):
        assert secret not in cleaned
    assert error_lines("ok\nERROR: s3cret-admin rejected\nfine\n", scrub) == [
        "ERROR: [redacted] rejected"
    ]


def test_unreachable_api_and_rejected_credentials_exit_3(served: Served, tmp_path: Path) -> None:
    import io

    import yaml

    from kostack.cli.common import Environment
    from kostack.cli.main import main

    def check(kubeconfig: Path) -> tuple[int, str]:
        err = io.StringIO()
        env = Environment(
            io.StringIO(),
            err,
            {"KUBECONFIG": str(kubeconfig), "PATH": "/nonexistent"},
            False,
            False,
        )
        code = main(
            ["release", "check", "harbor", "--snapshot", str(EXAMPLES / "seed-incident.json")], env
        )
        return code, err.getvalue()

    document = yaml.safe_load(served.kubeconfig.read_text(encoding="utf-8"))
    document["users"][0]["user"]["token"] = "wrong-token"
    wrong = tmp_path / "wrong-token"
    wrong.write_text(yaml.safe_dump(document), encoding="utf-8")
    code, err = check(wrong)
    assert code == 3 and "rejected the credentials" in err and "wrong-token" not in err
    document["clusters"][0]["cluster"]["server"] = "http://127.0.0.1:9"  # discard port: refused
    closed = tmp_path / "closed"
    closed.write_text(yaml.safe_dump(document), encoding="utf-8")
    code, err = check(closed)
    assert code == 3 and "cannot reach the Kubernetes API" in err


def test_releases_read_in_small_pages_are_the_same(tmp_path: Path) -> None:
    """The Helm collector lists through the collect layer's one paging reader."""
    with serve(hf.harbor_seed(), tmp_path) as s:
        whole = s.collect()
        s.api.reset_requests()
        paged = s.collect(page_size=2)
        secret_pages = [r for r in s.api.requests if r.path == "/api/v1/secrets"]
    assert paged.state == whole.state and paged.gaps == ()
    assert len(secret_pages) >= 2 and any("continue=" in r.query for r in secret_pages)
    assert all("limit=2" in r.query for r in secret_pages)


def test_an_expired_continue_token_in_the_release_list_reads_on(tmp_path: Path) -> None:
    with serve(hf.harbor_seed(), tmp_path) as s:
        whole = s.collect()
        s.api.inject_fault("", "secrets", status=410, verbs=["list"], continued=True, times=1)
        paged = s.collect(page_size=2)
    assert paged.state.releases == whole.state.releases
    (gap,) = paged.gaps
    assert gap.source == "helm.releases"
    assert gap.error.startswith("list secrets: the list's continue token expired (410 Gone)")


def test_a_release_list_that_cannot_go_on_is_a_gap(tmp_path: Path) -> None:
    with serve(hf.harbor_seed(), tmp_path) as s:
        s.api.inject_fault("", "secrets", status=410, verbs=["list"], continued=False)
        collection = s.collect(page_size=2)
    assert collection.state.releases is None
    gap = next(g for g in collection.gaps if g.source == "helm.releases")
    assert gap.error.startswith("list secrets: 410 Gone")
    assert gap.hint == "The list changed faster than kostack could page through it; retry."


def test_twelve_revisions_listed_out_of_order_give_the_newest_and_the_whole_history(
    tmp_path: Path,
) -> None:
    """Only the newest revision's manifest and values are kept (the others give their history
    line only, and no revision keeps its chart's templates); the API lists `.v10` before `.v2`,
    so the newest is not the last one read."""
    from kostack_testkit.helm_fixture_storage import at, decode_release_data, release_secret

    objects = hf.postgresql_release("pg", "db").objects
    (first,) = (o for o in objects if o.get("type") == "helm.sh/release.v1")
    record = decode_release_data(base64.b64decode(first["data"]["release"]).decode())
    revisions = []
    for revision in range(1, 13):
        newest = revision == 12
        copy = {**record, "version": revision}
        copy["info"] = {**record["info"], "status": "deployed" if newest else "superseded"}
        copy["info"]["description"] = f"Upgrade {revision}"
        if not newest:  # an older manifest claims another volume: it must not be read
            copy["manifest"] = record["manifest"].replace("name: pg-postgresql", "name: old-pg")
        revisions.append(release_secret(copy, created=at(revision)))
    with serve(hf.HelmScenario(objects=revisions[::-1]), tmp_path) as s:
        collected = s.collect(page_size=5)
    assert collected.gaps == ()
    pg = release(collected, "db", "pg")
    assert [h.revision for h in pg.history] == list(range(1, 13))
    assert pg.revision == 12 and pg.status == "deployed" and pg.description == "Upgrade 12"
    assert pg.storage_object == "sh.helm.release.v1.pg.v12"
    assert [s.name for s in pg.manifest_statefulsets] == ["pg-postgresql"]
    assert "auth.postgresPassword" in pg.values_keys


def test_a_log_of_huge_lines_is_read_only_to_its_first_mebibyte(tmp_path: Path) -> None:
    """kostack asks for the last 200 lines and at most 1 MiB of them, and stops reading there
    even when the server sends more (the API double ignores limitBytes, as a proxy may)."""
    scenario = hf.harbor_seed()
    log = next(x for x in scenario.logs if x.pod == "harbor-jobservice-5c8d7f9b4-k8p2n")
    huge = "".join(f"line {n} connection refused {'x' * 150_000}\n" for n in range(200))
    scenario.logs[scenario.logs.index(log)] = dataclasses.replace(log, text=huge)
    with serve(scenario, tmp_path) as s:
        collected = s.collect()
        reads = [r for r in s.api.requests if r.path.endswith(f"/pods/{log.pod}/log")]
    assert reads and all("limitBytes=1048576" in r.query for r in reads), reads
    assert collected.state.pods is not None
    job = next(p for p in collected.state.pods if p.name == log.pod)
    numbers = {int(m) for line in job.log_lines for m in re.findall(r"line (\d+) conn", line)}
    assert numbers and max(numbers) < 8, numbers  # 1 MiB holds the tail's first 6 lines
