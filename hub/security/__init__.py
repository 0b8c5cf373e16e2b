"""Security of the hub/node link (docs/security.md): frame MACs, per-node broker accounts and
ACLs, TLS material, revocation.

    mac        HMAC-SHA256 signing of frames/ctl, verification of button events
    keyring    which nodes have keys (hub.provisioning's registry, cached by mtime)
    acl        the topic rules, as one function and as mosquitto's ACL file
    passwd     mosquitto's password file (PBKDF2-SHA512, `$7$`)
    tls        a private CA and broker certificate (`cryptography`)
    amqtt_plugins  the same rules enforced by the embedded broker
"""

from hub.security.mac import (
    MacError,
    button_mac,
    sign_message,
    signed_body,
    verify_button,
    verify_message,
)

__all__ = ["MacError", "button_mac", "sign_message", "signed_body", "verify_button",
           "verify_message"]
