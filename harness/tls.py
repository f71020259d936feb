"""HTTPS for live servers: a throwaway certificate for localhost and 127.0.0.1, and gunicorn serving with it.

Chromium trusts the certificate when launched with
``--ignore-certificate-errors-spki-list=<spki_sha256>`` (the base64 SHA-256 of
its SubjectPublicKeyInfo): unlike ``--ignore-certificate-errors``, that makes
the origin secure in every respect, DBSC included (issue 23).
"""

import base64
import hashlib
import ipaddress
import ssl
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.servers import Gunicorn

HOST = "localhost"


@dataclass(frozen=True)
class Certificate:
    cert_path: Path
    key_path: Path
    # base64 SHA-256 of the SubjectPublicKeyInfo: Chromium's --ignore-certificate-errors-spki-list.
    spki_sha256: str


def throwaway_certificate(directory: Path) -> Certificate:
    """A self-signed P-256 certificate for localhost and 127.0.0.1, valid for a day, written to ``directory``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "localhost.pem", directory / "localhost-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Certificate(cert_path, key_path, base64.b64encode(hashlib.sha256(spki).digest()).decode())


def unverified_context() -> ssl.SSLContext:
    """For the test's own clients: the certificate is ours and throwaway."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class HttpsGunicorn(Gunicorn):
    """``Gunicorn`` serving HTTPS with ``certificate`` (through ``GUNICORN_CMD_ARGS``), at https://localhost:<port>."""

    certificate: Certificate | None = field(default=None, kw_only=True)

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"

    def start(self, wait: float = 30.0) -> "HttpsGunicorn":
        self.env = {
            **self.env,
            "GUNICORN_CMD_ARGS": f"--certfile={self.certificate.cert_path} --keyfile={self.certificate.key_path}",
        }
        return super().start(wait)

    def healthy(self) -> bool:
        with urllib.request.urlopen(f"{self.url}/healthz", context=unverified_context(), timeout=5) as answer:
            return answer.status == 200
