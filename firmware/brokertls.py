"""TLS to the broker, node side (docs/security.md, "TLS"): MicroPython's `ssl` (mbedTLS on the
ESP32 and the unix port), verifying the broker against the hub's private CA only.

The CA is `ca.pem` from `roomink tls-ca`, copied next to config.json. The broker's certificate
must name the host the node connects to (`broker_host`: a DNS name or an IP address; mbedTLS
3.x matches both). A handshake needs tens of KB of heap while it runs (ECDSA P-256 keeps it at
the low end); build the context once per wake and reuse it for reconnects.
"""

import binascii
import ssl


def der(pem: bytes) -> bytes:
    """PEM -> DER: MicroPython hands `cadata` to mbedTLS without the NUL its PEM parser needs,
    so PEM is refused ("invalid cert") while DER loads."""
    if not pem.startswith(b"-----"):
        return pem
    body = b"".join(line for line in pem.split(b"\n")
                    if line.strip() and not line.startswith(b"-----"))
    return binascii.a2b_base64(body)


def context(ca_path: str):
    """An SSLContext that accepts only brokers whose certificate chains to `ca_path` (PEM or
    DER)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED  # type: ignore[attr-defined]  # (stubs lack it)
    with open(ca_path, "rb") as f:
        ctx.load_verify_locations(cadata=der(f.read()))
    return ctx


def wrap(ctx, sock, host: str):
    """Handshake on a connected socket; OSError/ValueError when the broker is not trusted."""
    return ctx.wrap_socket(sock, server_hostname=host)
