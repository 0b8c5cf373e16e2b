"""Where Microsoft 365 lives for this hub: cloud, tenant, app registration, rooms.

Everything that differs between the worldwide cloud, the national clouds and a test
emulator is data here, never code: the identity authority, the Graph base URL and an
optional CA bundle. `M365Config.from_table()` builds the config from the hub's TOML
`[m365]` table (see docs/microsoft365.md); the CLI builds it from options.

Cloud endpoints, from Microsoft's "national cloud deployments" pages
(learn.microsoft.com/graph/deployments and
learn.microsoft.com/entra/identity-platform/authentication-national-cloud):

    worldwide (incl. GCC "moderate")  login.microsoftonline.com   graph.microsoft.com
    usgov     (GCC High, L4)          login.microsoftonline.us    graph.microsoft.us
    usgov-dod (DoD, L5)               login.microsoftonline.us    dod-graph.microsoft.us
    china     (operated by 21Vianet)  login.chinacloudapi.cn      microsoftgraph.chinacloudapi.cn
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Cloud:
    """One Microsoft cloud instance: its sign-in host and its Graph service root."""

    name: str
    login_url: str
    graph_url: str


CLOUDS: dict[str, Cloud] = {
    c.name: c
    for c in (
        Cloud("worldwide", "https://login.microsoftonline.com", "https://graph.microsoft.com"),
        Cloud("usgov", "https://login.microsoftonline.us", "https://graph.microsoft.us"),
        Cloud("usgov-dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
        Cloud("china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
    )
}

#: Sign-in hosts msal knows; any other authority (an emulator, a proxy) skips instance discovery.
KNOWN_LOGIN_HOSTS = frozenset(
    {urlsplit(c.login_url).hostname for c in CLOUDS.values()} | {"login.partner.microsoftonline.cn"}
)

# Delegated permissions (short names are valid in every cloud, per the national-cloud SDK page).
SCOPE_READ = "Calendars.Read.Shared"
SCOPE_WRITE = "Calendars.ReadWrite.Shared"
SCOPE_PLACES = "Place.Read.All"

AUTH_MODES = ("delegated", "app")


def default_token_cache() -> Path:
    """Per-user state, not inside the installed package: $XDG_STATE_HOME/roomink/."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "roomink" / "m365-token-cache.json"


class ConfigError(ValueError):
    """The [m365] settings are inconsistent; `str()` names the key and the fix."""


@dataclass(frozen=True)
class M365Config:
    """Settings of the Microsoft 365 source. Defaults target the worldwide cloud.

    `authority` and `graph_url` override the cloud preset (for an emulator or a proxy);
    `ca_bundle` adds trust for a private CA (TLS-inspecting proxy, emulator). `timezone` is
    the zone Graph reports times in. `rooms` are extra mailboxes for `roomink doctor` (the
    hub's [[rooms]] tables name the rest). When a schedule counts as stale is the hub's
    `[hub] stale_after`, the same for every source.
    """

    client_id: str = ""
    tenant: str = "organizations"
    cloud: str = "worldwide"
    authority: str | None = None
    graph_url: str | None = None
    ca_bundle: str | None = None
    token_cache: Path = field(default_factory=default_token_cache)
    auth: str = "delegated"
    client_secret: str | None = None
    certificate: str | None = None
    rooms: tuple[str, ...] = ()
    timezone: str = "UTC"
    booking: bool = False
    page_size: int = 50
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.cloud not in CLOUDS:
            raise ConfigError(f"m365.cloud: unknown cloud {self.cloud!r} "
                              f"(one of {', '.join(CLOUDS)})")
        if self.auth not in AUTH_MODES:
            raise ConfigError(f"m365.auth: must be 'delegated' or 'app', not {self.auth!r}")
        if self.auth == "app" and self.tenant in ("organizations", "common", "consumers"):
            raise ConfigError("m365.tenant: app-only access needs your tenant id or domain")
        if self.auth == "app" and not (self.client_secret or self.certificate):
            raise ConfigError("m365: app-only access needs client_secret or certificate")
        if not 1 <= self.page_size <= 1000:
            raise ConfigError("m365.page_size: must be between 1 and 1000")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"m365.timezone: unknown time zone {self.timezone!r} "
                              "(e.g. 'Europe/Berlin')") from exc

    @property
    def authority_url(self) -> str:
        base = self.authority or f"{CLOUDS[self.cloud].login_url}/{self.tenant}"
        return base.rstrip("/")

    @property
    def graph_root(self) -> str:
        """Graph service root with the API version, e.g. https://graph.microsoft.com/v1.0."""
        return (self.graph_url or CLOUDS[self.cloud].graph_url).rstrip("/") + "/v1.0"

    @property
    def instance_discovery(self) -> bool:
        """msal's discovery only knows Microsoft hosts; a custom authority must skip it."""
        return urlsplit(self.authority_url).hostname in KNOWN_LOGIN_HOSTS

    @property
    def delegated_scopes(self) -> list[str]:
        return [SCOPE_WRITE if self.booking else SCOPE_READ, SCOPE_PLACES]

    @property
    def app_scopes(self) -> list[str]:
        """App-only tokens ask for `.default` on the cloud's own Graph resource."""
        return [(self.graph_url or CLOUDS[self.cloud].graph_url).rstrip("/") + "/.default"]

    @property
    def verify(self) -> str | bool:
        return self.ca_bundle or True

    @classmethod
    def from_table(cls, table: Mapping[str, Any], base_dir: Path | None = None) -> M365Config:
        """Build from the TOML `[m365]` table. Unknown keys are errors (typos must not pass).

        `client_secret_file` / `client_secret_env` keep the secret out of the config file;
        relative paths are resolved against `base_dir` (the config file's folder).
        """
        if "stale_after" in table:
            raise ConfigError("m365.stale_after: not a [m365] setting; move it to the [hub] "
                              "table (stale_after = seconds, for every room)")
        known = {f.name for f in fields(cls)}
        extra = {"client_secret_file", "client_secret_env"}
        unknown = sorted(set(table) - known - extra)
        if unknown:
            raise ConfigError(f"m365: unknown key(s) {', '.join(unknown)}")
        values: dict[str, Any] = {k: v for k, v in table.items() if k in known}

        def resolve(p: str) -> str:
            path = Path(p).expanduser()
            return str(path if path.is_absolute() or base_dir is None else base_dir / path)

        for key in ("ca_bundle", "certificate"):
            if values.get(key):
                values[key] = resolve(values[key])
        if "token_cache" in values:
            values["token_cache"] = Path(resolve(str(values["token_cache"])))
        if "rooms" in values:
            rooms = values["rooms"]
            if isinstance(rooms, str) or not all(isinstance(r, str) for r in rooms):
                raise ConfigError("m365.rooms: must be a list of room e-mail addresses")
            values["rooms"] = tuple(rooms)
        if table.get("client_secret_file"):
            secret_path = Path(resolve(table["client_secret_file"]))
            try:
                values["client_secret"] = secret_path.read_text().strip()
            except OSError as exc:
                raise ConfigError(f"m365.client_secret_file: cannot read {secret_path}: "
                                  f"{exc.strerror}") from exc
        if table.get("client_secret_env"):
            name = table["client_secret_env"]
            if name not in os.environ:
                raise ConfigError(f"m365.client_secret_env: environment variable {name} is not set")
            values["client_secret"] = os.environ[name]
        try:
            return cls(**values)
        except TypeError as exc:
            raise ConfigError(f"m365: {exc}") from exc
