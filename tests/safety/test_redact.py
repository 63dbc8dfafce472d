"""The redactor on its own: known secrets in every quoted form, generic shapes, streams, JSON."""

from __future__ import annotations

import base64
import io
import json
import random
import string
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from safety_servers import Echo
from safety_world import forget_secrets

from kostack import redact
from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.redact import REDACTED, RedactingStream


@pytest.fixture(autouse=True)
def clean_slate() -> Iterator[None]:
    forget_secrets()
    yield
    forget_secrets()


SECRET = "s3cr'et\"pa$$-w0rd\\ü"


@pytest.mark.parametrize(
    "quoted",
    [
        SECRET,
        json.dumps(SECRET),
        json.dumps(SECRET, ensure_ascii=False),
        repr(SECRET),
        repr(SECRET.encode()),
        urllib.parse.quote(SECRET, safe=""),
        urllib.parse.quote_plus(SECRET),
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
    ],
)
def test_a_known_secret_is_found_however_it_was_quoted(quoted: str) -> None:
    redact.remember(SECRET)
    out = redact.redact(f"the server said: {quoted} (request 42)")
    assert REDACTED in out and quoted[2:-2] not in out, out
    assert out.startswith("the server said: ") and out.endswith(" (request 42)")


def test_a_multi_line_key_is_found_line_by_line_and_as_base64() -> None:
    body = "".join(random.choices(string.ascii_letters + string.digits, k=64))
    key = f"-----BEGIN PRIVATE KEY-----\n{body}\n{body[::-1]}\n-----END PRIVATE KEY-----\n"
    redact.remember(base64.b64encode(key.encode()).decode())  # as the kubeconfig holds it
    assert body not in redact.redact(f"ssl error near {body}")
    assert body[::-1] not in redact.redact(f"line {body[::-1]}")


def test_short_values_are_only_replaced_as_whole_words() -> None:
    redact.remember("hunt3r", "abc")  # 6 characters; 3 is too short to be a credential
    assert redact.redact("password hunt3r, not hunt3rs") == "password <redacted>, not hunt3rs"
    assert redact.redact("abc") == "abc"


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        (
            "{'host': 'x', 'authorization': 'Bearer abc.DEF-123456'}",
            "'authorization': 'Bearer <redacted>'",
            "abc.DEF",
        ),
        ("X-Auth-Token: gAAAAABwithfernetlikevalue123", "X-Auth-Token: <redacted>", "fernet"),
        ('"X-Subject-Token": "0123456789abcdef"', '"X-Subject-Token": "<redacted>"', "0123456789"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Basic <redacted>", "dXNlcjpw"),
        ('{"password": "hunter2hunter2"}', '{"password": "<redacted>"}', "hunter2"),
        ("OS_PASSWORD=Tr0ub4dor&3", "OS_PASSWORD=<redacted>", "Tr0ub4dor"),
        ("EC2 secret_key=9f8e7d6c5b4a39281706", "secret_key=<redacted>", "9f8e7d6c"),
        ('core: {secretKey: "not-a-secure-key"}', 'secretKey: "<redacted>"', "not-a-secure"),
        ("application_credential_secret: s3cr3t-v4lue", "secret: <redacted>", "s3cr3t"),
        ('client-key-data: "LS0tLS1CRUdJTiBQUklW"', "client-key-data: ", "LS0tLS1"),
        (
            "--os-password hunter22 --os-cloud x",
            "--os-password <redacted> --os-cloud x",
            "hunter22",
        ),
        (
            "https://admin:pa55word@keystone:5000/v3",
            "https://admin:<redacted>@keystone",
            "pa55word",
        ),
        (
            "helm install harbor https://ghp_0a1B2c3D4e5F6g7H8i9J0kLmN@charts.example/h.tgz",
            "https://<redacted>@charts.example/h.tgz",
            "ghp_0a1B",
        ),
        (
            "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl end",
            "token <redacted> end",
            "eyJhbGci",
        ),
        ("DB_PWD: s3cr3tvalue99", "DB_PWD: <redacted>", "s3cr3t"),
        ('core: {xsrfKey: "abcdefghijklmnop0123"}', 'xsrfKey: "<redacted>"', "abcdefgh"),
        (  # a Docker config's registry login (base64 of user:password)
            '{"auths": {"reg.example": {"auth": "aGFyYm9yOkhhcmJvcjEyMzQ1"}}}',
            '{"auth": "<redacted>"}',
            "aGFyYm9y",
        ),
        (
            ".dockerconfigjson: eyJhdXRocyI6eyJyZWcuZXhhbXBsZSI6e319fQ==",
            ".dockerconfigjson: <redacted>",
            "eyJhdXRocyI6",
        ),
        ("X-Registry-Auth: eyJ1c2VybmFtZSI6ImEifQ==", "X-Registry-Auth: <redacted>", "eyJ1c2Vy"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nok",
            "-----BEGIN RSA PRIVATE KEY----- <redacted>\nok",
            "MIIEow",
        ),
        (
            '"key": "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEE\\n-----END EC PRIVATE KEY-----"',
            '"key": "-----BEGIN EC PRIVATE KEY----- <redacted>"',
            "MHcCAQEE",
        ),
    ],
)
def test_secret_shapes_are_masked_without_knowing_the_secret(
    text: str, kept: str, gone: str
) -> None:
    out = redact.redact(text)
    assert kept in out and gone not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "Secret: harbor-core",  # the Kubernetes kind
        "basic connectivity is fine; a bearer token is needed",
        "secret_keys: database.internal.password, harborAdminPassword",
        "kubectl get secret -n harbor harbor-core",
        "GET /api/v1/secrets?fieldSelector=type%3Dhelm.sh/release.v1&limit=500",
        "password authentication failed for user postgres",
        "the token endpoint refused the request",
        "ssh://git@github.com/org/repo.git and https://kostack-lab-user@kube.example",
        "auth: v3applicationcredential",  # clouds.yaml auth_type-like words, not a login
        "OpenStack rejected the credentials: https://keystone:5000 answered 401",
    ],
)
def test_ordinary_words_are_left_alone(text: str) -> None:
    assert redact.redact(text) == text


def test_a_json_document_stays_json() -> None:
    redact.remember("canary-value-1234")
    document = {
        "password": 123,
        "token": "canary-value-1234",
        "nested": {"message": "auth failed with 'authorization': 'Bearer zzzzzzzz9'"},
        "client_secret": None,
        "list": ["canary-value-1234", {"api_key": True}],
    }
    for text in (json.dumps(document), json.dumps(document, indent=2)):
        out = json.loads(redact.redact(text))
        assert "canary-value-1234" not in json.dumps(out) and "zzzzzzzz9" not in json.dumps(out)
        assert out["password"] == REDACTED and out["client_secret"] is None


def test_the_stream_sees_a_secret_written_in_pieces() -> None:
    redact.remember("canary-split-98765")
    target = io.StringIO()
    stream = RedactingStream(target)
    for piece in ("error: canary-sp", "lit-98", "765 refused\n", "-----BEGIN PRIVATE KEY-----\n"):
        stream.write(piece)
    assert target.getvalue() == "error: <redacted> refused\n"  # the key block is held back
    stream.write("QUJDREVGR0hJSktMTU5PUA==\n-----END PRIVATE KEY-----\nafter\n")
    stream.flush()
    assert "QUJD" not in target.getvalue() and target.getvalue().endswith("after\n")


def test_environment_credentials_are_known_before_anything_runs() -> None:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out,
        stderr=err,
        environ={"OS_PASSWORD": "env-canary-55aa77", "OS_AUTH_URL": "http://keystone:5000/v3"},
        stdin_isatty=False,
        stdout_isatty=False,
    )
    # a command that quotes its input back in the error: the snapshot file name
    code = main(["diagnose", "--snapshot", "/nonexistent/env-canary-55aa77.json"], env)
    assert code == 2
    assert "env-canary-55aa77" not in err.getvalue() and "<redacted>" in err.getvalue()
    assert "http://keystone:5000/v3" not in err.getvalue()  # (not mentioned at all)


def test_the_working_directory_is_no_secret(tmp_path: Path) -> None:
    """PWD and OLDPWD matched "pwd" of a password: every path under the directory kostack
    ran in, or the one before, was printed `<redacted>/...`, also in commands to paste."""
    here = tmp_path / "incident-42"
    here.mkdir()
    snapshot = here / "snap.json"
    seed = Path(__file__).resolve().parents[2] / "examples" / "seed-incident.json"
    snapshot.write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    environ = {"PWD": str(here), "OLDPWD": str(tmp_path), "DB_PWD": "pwd-canary-3377aa"}
    env = Environment(out, err, environ, stdin_isatty=False, stdout_isatty=False)
    assert main(["fix", "plan", "--snapshot", str(snapshot)], env) == 0
    assert f"`kostack fix apply --snapshot {snapshot}`" in out.getvalue()
    missing = tmp_path / "pwd-canary-3377aa.json"  # DB_PWD is still a password
    assert main(["diagnose", "--snapshot", str(missing)], env) == 2
    assert f"cannot read snapshot {tmp_path}/{REDACTED}.json:" in err.getvalue()


def test_library_log_records_stay_off_stderr_unless_asked(tmp_path: Path) -> None:
    """keystoneauth warns before kostack's own error: shown only with -v or --debug."""
    with Echo(404, "text") as keystone:  # no version document: keystoneauth logs a warning
        clouds = tmp_path / "clouds.yaml"
        cloud = {
            "auth_type": "password",
            "auth": {
                "auth_url": f"{keystone.url}/v3",
                "username": "u",
                "password": "p4ssw0rd-p4ssw0rd",
                "project_name": "k",
            },
        }
        clouds.write_text(json.dumps({"clouds": {"c": cloud}}), encoding="utf-8")

        def stderr(*args: str) -> str:
            out, err = io.StringIO(), io.StringIO()
            environ = {"OS_CLIENT_CONFIG_FILE": str(clouds), "KOSTACK_TIMEOUT": "5"}
            env = Environment(out, err, environ, stdin_isatty=False, stdout_isatty=False)
            assert main(list(args), env) == 3, err.getvalue()
            return err.getvalue()

        plain = stderr("diagnose", "--os-cloud", "c")
        verbose = stderr("diagnose", "--os-cloud", "c", "-v")
        debug = stderr("--debug", "diagnose", "--os-cloud", "c")
    assert [line.split(":")[0] for line in plain.splitlines()] == ["error", "hint"]
    warning = "keystoneauth.identity.generic.base: WARNING: Failed to discover"
    assert warning in verbose and warning in debug
    assert "p4ssw0rd" not in plain + verbose + debug
