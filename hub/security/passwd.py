"""mosquitto's password file, written without `mosquitto_passwd` (which would need each
password on its command line, visible to every user in `ps`).

Format of mosquitto 2.x (`$7$`): `user:$7$<iterations>$<base64 salt>$<base64 hash>`, hash =
PBKDF2-HMAC-SHA512(password, salt, iterations, 64 bytes), 12-byte salt. mosquitto reads the
iteration count from each line, so a higher count than mosquitto_passwd's default (101) costs
nothing but a little CPU per connect and makes a leaked file slower to attack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ITERATIONS = 10_000
SALT_BYTES = 12


def hash_password(password: str, *, iterations: int = ITERATIONS,
                  salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return (f"$7${iterations}${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}")


def check_password(password: str, hashed: str) -> bool:
    """Verify a password against one `$7$` hash (tests; the embedded broker)."""
    try:
        _, kind, iterations, salt, digest = hashed.split("$")
        if kind != "7":
            return False
        expected = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt),
                                       int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, base64.b64decode(digest))


def password_file(users: dict[str, str]) -> str:
    """The password file text for {username: password}."""
    for name in users:
        if not name or ":" in name or "\n" in name:
            raise ValueError(f"invalid MQTT username {name!r}")
    return "".join(f"{name}:{hash_password(pw)}\n" for name, pw in sorted(users.items()))
