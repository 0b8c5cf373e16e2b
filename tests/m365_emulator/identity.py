"""The Microsoft identity platform endpoints msal calls, emulated.

Shapes follow the OAuth 2.0 device authorization grant (RFC 8628) and Entra ID's v2.0
token endpoint: `authorization_pending` while the user has not approved, `invalid_grant`
(AADSTS70008 expired / AADSTS50173 revoked) for dead refresh tokens, `invalid_client`
(AADSTS7000215) for a wrong secret. Tokens carry `client_info` (base64url
{"uid","utid"}) and an `id_token` whose `aud` is the client id, which msal needs to cache
an account.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

import jwt

from tests.m365_emulator.state import DeviceCode, Grant, RefreshToken, Tenant, User

OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
Answer = tuple[int, dict[str, Any]]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_jwt(claims: dict[str, Any]) -> str:
    """A JWT-shaped token. Nothing verifies its signature: Graph looks tokens up by value."""
    header = {"typ": "JWT", "alg": "RS256", "kid": "emulator"}
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()),
                     b64url(secrets.token_bytes(32))])


def openid_configuration(base: str, tenant_path: str) -> dict[str, Any]:
    root = f"{base}/{tenant_path}"
    return {
        "issuer": f"{root}/v2.0",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "emulator.local",
    }


def _error(status: int, error: str, code: int, text: str) -> Answer:
    return status, {
        "error": error,
        "error_description": f"AADSTS{code}: {text}\r\nTrace ID: {secrets.token_hex(8)}\r\n"
                             f"Correlation ID: {secrets.token_hex(8)}\r\nTimestamp: "
                             f"{time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())}",
        "error_codes": [code],
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
        "trace_id": secrets.token_hex(16),
        "correlation_id": secrets.token_hex(16),
    }


def device_code(t: Tenant, base: str, form: dict[str, str]) -> Answer:
    client = t.clients.get(form.get("client_id", ""))
    if client is None:
        return _error(400, "unauthorized_client", 700016,
                      f"Application with identifier '{form.get('client_id')}' was not found "
                      "in the directory.")
    code = secrets.token_urlsafe(24)
    user_code = f"EMU{t.next_code():05d}"
    with t.lock:
        t.device_codes[code] = DeviceCode(client.client_id, frozenset(form["scope"].split()))
    uri = f"{base}/devicelogin"
    return 200, {
        "user_code": user_code, "device_code": code, "verification_uri": uri,
        "expires_in": 900, "interval": 1,
        "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
                   f"{user_code} to authenticate.",
    }


def _issue(t: Tenant, base: str, tenant_path: str, client_id: str, requested: frozenset[str],
           user: User) -> Answer:
    client = t.clients[client_id]
    granted = frozenset(s for s in requested - OIDC_SCOPES if s in client.consented)
    now = int(time.time())
    access = unsigned_jwt({
        "aud": "https://graph.microsoft.com", "iss": f"https://sts.emulator/{t.tenant_id}/",
        "iat": now, "nbf": now, "exp": now + t.access_token_lifetime, "appid": client_id,
        "scp": " ".join(sorted(granted)), "tid": t.tenant_id, "oid": user.oid, "upn": user.upn,
        "jti": secrets.token_hex(8)})
    refresh = secrets.token_urlsafe(32)
    id_token = unsigned_jwt({
        "aud": client_id, "iss": f"{base}/{tenant_path}/v2.0", "iat": now, "nbf": now,
        "exp": now + 3600, "name": user.name, "oid": user.oid, "preferred_username": user.upn,
        "sub": b64url(user.oid.encode()), "tid": t.tenant_id, "ver": "2.0"})
    with t.lock:
        t.access_tokens[access] = Grant(client_id, "delegated", granted,
                                        time.time() + t.access_token_lifetime, user)
        t.refresh_tokens[refresh] = RefreshToken(client_id, requested, user)
    return 200, {
        "token_type": "Bearer",
        "scope": " ".join(sorted(granted | (requested & {"openid", "profile", "email"}))),
        "expires_in": t.access_token_lifetime, "ext_expires_in": t.access_token_lifetime,
        "access_token": access, "refresh_token": refresh, "id_token": id_token,
        "client_info": b64url(json.dumps({"uid": user.oid, "utid": t.tenant_id}).encode()),
    }


def _client_authenticated(t: Tenant, base: str, tenant_path: str, form: dict[str, str]) -> bool:
    client = t.clients[form["client_id"]]
    if "client_secret" in form:
        return client.secret is not None and secrets.compare_digest(form["client_secret"],
                                                                    client.secret)
    assertion = form.get("client_assertion")
    if assertion and client.certificate_pem:
        from cryptography import x509

        key = x509.load_pem_x509_certificate(client.certificate_pem).public_key()
        try:
            claims = jwt.decode(assertion, key, algorithms=["RS256", "PS256"],
                                audience=f"{base}/{tenant_path}/oauth2/v2.0/token")
        except jwt.PyJWTError:
            return False
        return bool(claims.get("iss") == claims.get("sub") == client.client_id)
    return False


def token(t: Tenant, base: str, tenant_path: str, form: dict[str, str]) -> Answer:
    grant = form.get("grant_type", "")
    with t.lock:
        t.token_requests[grant] += 1
    client_id = form.get("client_id", "")
    if client_id not in t.clients:
        return _error(400, "unauthorized_client", 700016,
                      f"Application with identifier '{client_id}' was not found in the "
                      "directory.")
    if grant == DEVICE_GRANT:
        with t.lock:
            flow = t.device_codes.get(form.get("device_code", ""))
            if flow is None or flow.done:
                return _error(400, "expired_token", 70020, "The provided value for the input "
                              "parameter 'device_code' is not valid. This device code has expired.")
            flow.polls += 1
            if flow.declined or t.decline_logins:
                return _error(400, "authorization_declined", 70000, "The user declined.")
            if flow.polls < t.approve_after_polls:
                return _error(400, "authorization_pending", 70016, "OAuth 2.0 device flow "
                              "error. Authorization is pending. Continue polling.")
            flow.done = True
        return _issue(t, base, tenant_path, client_id, flow.scopes, t.user)
    if grant == "refresh_token":
        with t.lock:
            rt = t.refresh_tokens.pop(form.get("refresh_token", ""), None)
        if rt is None or rt.expired:
            return _error(400, "invalid_grant", 70008, "The provided authorization code or "
                          "refresh token has expired due to inactivity.")
        if rt.revoked:
            return _error(400, "invalid_grant", 50173, "The provided grant has expired due to "
                          "it being revoked, a fresh auth token is needed.")
        return _issue(t, base, tenant_path, client_id, frozenset(form["scope"].split()), rt.user)
    if grant == "client_credentials":
        if not _client_authenticated(t, base, tenant_path, form):
            return _error(401, "invalid_client", 7000215, "Invalid client secret provided. "
                          "Ensure the secret being sent in the request is the client secret "
                          "value, not the client secret ID.")
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return _error(400, "invalid_scope", 1002012, f"The provided value for scope "
                          f"{scope} is not valid. Client credential flows must have a scope "
                          "value with /.default suffixed to the resource identifier.")
        client = t.clients[client_id]
        now = int(time.time())
        access = unsigned_jwt({"aud": scope.removesuffix("/.default"), "iat": now, "nbf": now,
                               "exp": now + t.access_token_lifetime, "appid": client_id,
                               "roles": list(client.roles), "tid": t.tenant_id,
                               "jti": secrets.token_hex(8)})
        with t.lock:
            t.access_tokens[access] = Grant(client_id, "app", frozenset(client.roles),
                                            time.time() + t.access_token_lifetime)
        return 200, {"token_type": "Bearer", "expires_in": t.access_token_lifetime,
                     "ext_expires_in": t.access_token_lifetime, "access_token": access}
    return _error(400, "unsupported_grant_type", 70003, f"The app requested an unsupported "
                  f"grant type '{grant}'.")
