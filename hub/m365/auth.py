"""Tokens for Microsoft Graph: delegated (device-code login, then silent refresh) or app-only.

The delegated token cache is the hub's only long-lived secret: it is written atomically to a
file only its owner can read (0600) and re-read on start, so a reboot does not need a new
login. When the refresh token is gone (expired after inactivity, revoked, password reset)
`token()` raises `GraphAuthError` whose one line tells the admin to run `roomink login`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import msal
import requests

from hub.m365.config import M365Config
from hub.m365.errors import LOGIN_FIX, GraphAuthError, GraphUnavailable

log = logging.getLogger(__name__)


class TokenProvider(Protocol):
    """What the Graph client needs: a bearer token, fresh if `force_refresh`."""

    def token(self, force_refresh: bool = False) -> str: ...


class _Session(requests.Session):
    """A session whose own `verify` (our CA bundle) beats REQUESTS_CA_BUNDLE.

    requests lets the environment's CA bundle override `Session.verify`; msal calls the
    session without `verify=`, so a configured `ca_bundle` would be ignored. Unlike
    `trust_env = False`, this keeps proxy settings from the environment.
    """

    ca_bundle: str | None = None

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def]
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self.ca_bundle and verify in (None, True):
            settings["verify"] = self.ca_bundle
        return settings


def make_session(config: M365Config) -> requests.Session:
    """One HTTP session for msal and Graph, trusting `config.ca_bundle` when set."""
    session = _Session()
    session.ca_bundle = config.ca_bundle
    if config.ca_bundle:
        session.verify = config.ca_bundle
    session.headers["User-Agent"] = "roomink-hub"
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
    session.mount("https://", adapter)
    return session


class TokenCacheFile:
    """msal's serializable cache persisted to a 0600 file (folder 0700), written atomically.

    A `roomink login` run while the hub is running replaces the file; `reload_if_changed()`
    picks the new sign-in up so the hub needs no restart.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.cache = msal.SerializableTokenCache()
        self._lock = threading.Lock()
        self._seen: int | None = None
        if self.path.exists() and self.path.stat().st_mode & 0o077:
            log.warning("token cache %s was readable by others; fixing to 0600", self.path)
            os.chmod(self.path, 0o600)
        self.reload_if_changed()

    def _stamp(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def reload_if_changed(self) -> None:
        with self._lock:
            stamp = self._stamp()
            if stamp is None or stamp == self._seen:
                return
            try:
                self.cache.deserialize(self.path.read_text())
            except (ValueError, OSError) as exc:
                raise GraphAuthError(f"token cache {self.path} is unreadable ({exc}): delete it "
                                     f"and {LOGIN_FIX}", code="cache_unreadable") from exc
            self.cache.has_state_changed = False
            self._seen = stamp

    def save(self) -> None:
        with self._lock:
            if not self.cache.has_state_changed:
                return
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(self.cache.serialize())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self.cache.has_state_changed = False
            self._seen = self._stamp()


def _first_line(result: dict[str, Any]) -> str:
    """Entra's error_description carries trace ids and timestamps after the first line."""
    desc = str(result.get("error_description") or result.get("error") or "unknown error")
    return desc.splitlines()[0].split(" Trace ID:")[0].strip()


def token_claims(access_token: str) -> dict[str, Any]:
    """Claims of a JWT access token, unverified (for diagnostics only); {} if opaque."""
    try:
        payload = access_token.split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
    except (IndexError, ValueError, binascii.Error, TypeError):
        return {}


def _unreachable(config: M365Config, exc: Exception) -> GraphUnavailable:
    """One line for a network failure; requests' own text is long and repeats the URL."""
    log.debug("sign-in endpoint unreachable", exc_info=exc)
    return GraphUnavailable(f"cannot reach {config.authority_url}: {type(exc).__name__}")


def _build(cls: Any, config: M365Config, **kw: Any) -> Any:
    """An msal app; it fetches the authority's OpenID configuration right away."""
    try:
        return cls(config.client_id, authority=config.authority_url,
                   instance_discovery=config.instance_discovery, timeout=config.timeout, **kw)
    except requests.RequestException as exc:
        raise _unreachable(config, exc) from exc
    except ValueError as exc:  # msal: "Unable to get authority configuration for ..."
        raise GraphAuthError(f"{config.authority_url} is not a valid sign-in authority ({exc}): "
                             "check the tenant, cloud and authority settings",
                             code="bad_authority") from exc


class DelegatedAuth:
    """A signed-in user (a delegate of the room mailboxes) via msal's public client."""

    def __init__(self, config: M365Config, session: requests.Session | None = None) -> None:
        if not config.client_id:
            raise GraphAuthError("no client id configured: register an app in Entra ID and set "
                                 "m365.client_id (see docs/microsoft365.md)", code="no_client_id")
        self.config = config
        self.store = TokenCacheFile(config.token_cache)
        self.scopes = config.delegated_scopes
        self.app = _build(msal.PublicClientApplication, config,
                          token_cache=self.store.cache, http_client=session or make_session(config))

    def login(self, show: Callable[[str], None], timeout: float | None = None) -> str:
        """Device-code flow: `show` gets Microsoft's "go to URL, enter CODE" line. Blocks."""
        try:
            flow = self.app.initiate_device_flow(scopes=self.scopes)
            if "user_code" not in flow:
                raise GraphAuthError(f"device login refused: {_first_line(flow)}",
                                     code=str(flow.get("error", "")))
            show(flow["message"])
            if timeout is not None:
                flow["expires_at"] = min(flow["expires_at"], time.time() + timeout)
            result = self.app.acquire_token_by_device_flow(flow)
        except requests.RequestException as exc:
            raise _unreachable(self.config, exc) from exc
        if "access_token" not in result:
            raise GraphAuthError(f"login failed: {_first_line(result)}",
                                 code=str(result.get("error", "")))
        self.store.save()
        claims = result.get("id_token_claims") or {}
        return str(claims.get("preferred_username") or claims.get("name") or "signed in")

    def account_name(self) -> str | None:
        accounts = self.app.get_accounts()
        return accounts[0].get("username") if accounts else None

    def token(self, force_refresh: bool = False) -> str:
        self.store.reload_if_changed()
        accounts = self.app.get_accounts()
        if not accounts:
            raise GraphAuthError(f"no Microsoft 365 sign-in stored in {self.store.path}: "
                                 f"{LOGIN_FIX}", code="no_account")
        try:
            result = self.app.acquire_token_silent_with_error(
                self.scopes, account=accounts[0], force_refresh=force_refresh)
        except requests.RequestException as exc:
            raise _unreachable(self.config, exc) from exc
        self.store.save()
        if not result or "access_token" not in result:
            why = _first_line(result) if result else "no refresh token"
            raise GraphAuthError(
                f"Microsoft 365 sign-in of {accounts[0].get('username')} expired or was revoked "
                f"({why}): {LOGIN_FIX}", code=str((result or {}).get("error", "no_token")))
        return str(result["access_token"])


def _certificate_credential(path: str) -> dict[str, str]:
    """msal wants the private key, the SHA-1 thumbprint and (for SNI) the public certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    pem = Path(path).read_bytes()
    cert = x509.load_pem_x509_certificate(pem)
    key = serialization.load_pem_private_key(pem, password=None)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return {
        "private_key": key_pem.decode(),
        "thumbprint": cert.fingerprint(hashes.SHA1()).hex(),  # noqa: S303 - required by Entra
        "public_certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
    }


class AppOnlyAuth:
    """The app itself (admin-consented `Calendars.Read` application permission)."""

    def __init__(self, config: M365Config, session: requests.Session | None = None) -> None:
        self.config = config
        credential: Any = config.client_secret
        if config.certificate:
            try:
                credential = _certificate_credential(config.certificate)
            except (OSError, ValueError) as exc:
                raise GraphAuthError(f"m365.certificate {config.certificate}: cannot load a PEM "
                                     f"certificate and unencrypted key ({exc})",
                                     code="bad_certificate") from exc
        self.app = _build(msal.ConfidentialClientApplication, config,
                          client_credential=credential, http_client=session or make_session(config))

    def token(self, force_refresh: bool = False) -> str:
        try:
            result = self.app.acquire_token_for_client(self.config.app_scopes)
        except requests.RequestException as exc:
            raise _unreachable(self.config, exc) from exc
        if "access_token" not in result:
            error = str(result.get("error", ""))
            fix = ("the client secret or certificate was rejected: create a new one in the app "
                   "registration" if error == "invalid_client" else
                   "check the tenant, client id and admin consent of the app registration")
            raise GraphAuthError(f"app-only sign-in failed ({_first_line(result)}): {fix}",
                                 code=error)
        return str(result["access_token"])


def make_auth(config: M365Config, session: requests.Session | None = None) -> TokenProvider:
    return AppOnlyAuth(config, session) if config.auth == "app" else DelegatedAuth(config, session)
