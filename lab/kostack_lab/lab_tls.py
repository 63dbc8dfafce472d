"""The lab's throwaway TLS certificate for its API server stand-in (10.96.0.1:443)."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Sequence
from pathlib import Path

from kostack_lab import netns
from kostack_lab.errors import LabEnvironmentError, Msg
from kostack_lab.topology_layout import Topology

__all__ = ["make_certificate"]


def make_certificate(directory: Path, topo: Topology) -> tuple[Path, Path]:
    """A self-signed EC P-256 certificate for the API server stand-in (cryptography, else openssl).

    The key is a throwaway for the lab (0600 in the root-only state dir, gone at down).
    """
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "apiserver.crt", directory / "apiserver.key"
    names = [
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        f"kubernetes.default.svc.{topo.dns_domain}",
    ]
    addresses = [topo.kubernetes_service_ip, topo.control_plane.ip]
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        return make_certificate_openssl(cert_path, key_path, names, addresses)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")])
    now = datetime.datetime.now(datetime.UTC)
    san: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    san += [x509.IPAddress(ipaddress.IPv4Address(a)) for a in addresses]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def make_certificate_openssl(
    cert_path: Path, key_path: Path, names: Sequence[str], addresses: Sequence[str]
) -> tuple[Path, Path]:
    san = ",".join([*(f"DNS:{n}" for n in names), *(f"IP:{a}" for a in addresses)])
    try:
        netns.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=kube-apiserver",
                "-addext",
                f"subjectAltName={san}",
                "-keyout",
                str(key_path),
                "-out",
                str(cert_path),
            ]
        )
    except LabEnvironmentError as exc:
        raise LabEnvironmentError(
            Msg("lab.x.no_tls", a="`cryptography`", b="`openssl`"), Msg("lab.x.pip_cryptography")
        ) from exc
    key_path.chmod(0o600)
    return cert_path, key_path
