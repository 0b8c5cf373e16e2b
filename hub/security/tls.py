"""A private certificate authority for the hub's broker (docs/security.md, "TLS").

`roomink tls-ca` creates, in `<state_dir>/tls/`:

    ca.pem       the CA certificate: give it to the hub (mqtts://...?cafile=) and the nodes
    ca.key       the CA's private key (0600): only needed to issue the next broker certificate
    broker.pem   the broker's certificate, for the names/addresses nodes and hub connect to
    broker.key   its private key (0600)

ECDSA P-256: small certificates and fast handshakes on an ESP32 (mbedTLS), accepted by
mosquitto/OpenSSL. The CA is valid 10 years, the broker certificate 825 days (what browsers
and many TLS stacks accept at most); re-run with `--renew` to issue a new broker certificate
from the same CA, so nodes keep trusting it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hub.errors import UserError

CA_DAYS = 3650
BROKER_DAYS = 825


@dataclass(frozen=True)
class TlsFiles:
    directory: Path

    @property
    def ca(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca.key"

    @property
    def cert(self) -> Path:
        return self.directory / "broker.pem"

    @property
    def key(self) -> Path:
        return self.directory / "broker.key"


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "roomink"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _load_ca(files: TlsFiles) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    try:
        cert = x509.load_pem_x509_certificate(files.ca.read_bytes())
        key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the CA in {files.directory} ({exc}); move the folder "
                        "away to create a new CA (every node then needs the new ca.pem)"
                        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise UserError(f"{files.ca_key} is not an EC key made by roomink tls-ca")
    return cert, key


def _new_ca(files: TlsFiles, now: dt.datetime) -> tuple[x509.Certificate,
                                                         ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("roomink hub CA")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    _write(files.ca_key, _key_pem(key), 0o600)
    _write(files.ca, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert, key


def _san(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def make_tls(directory: str | Path, hosts: list[str], *, renew: bool = False,
             now: dt.datetime | None = None) -> TlsFiles:
    """Create the CA (once) and a broker certificate for `hosts` (names and IP addresses the
    nodes and the hub use to reach the broker). An existing broker certificate is kept unless
    `renew`; the CA is never replaced here. The returned paths are absolute: they go into
    mosquitto's config and the hub's broker URL, read from other working folders."""
    if not hosts:
        raise UserError("name at least one --host the nodes use to reach the broker "
                        "(its DNS name or LAN IP address)")
    files = TlsFiles(Path(directory).resolve())
    files.directory.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now(dt.UTC)
    if files.ca.exists():
        ca_cert, ca_key = _load_ca(files)
    else:
        ca_cert, ca_key = _new_ca(files, now)
    if files.cert.exists() and not renew:
        return files
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(hosts[0]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=BROKER_DAYS))
            .add_extension(x509.SubjectAlternativeName(_san(hosts)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write(files.key, _key_pem(key), 0o600)
    _write(files.cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return files


def mosquitto_listener(files: TlsFiles, port: int = 8883, bind: str | None = None) -> str:
    """mosquitto.conf lines for a TLS listener using these files (absolute paths: mosquitto
    resolves relative ones against its own working folder)."""
    ca, cert, key = (path.resolve() for path in (files.ca, files.cert, files.key))
    return "\n".join([f"listener {port}" + (f" {bind}" if bind else ""),
                      f"cafile {ca}", f"certfile {cert}", f"keyfile {key}",
                      "tls_version tlsv1.2", ""])
