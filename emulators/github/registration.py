"""Registering a GitHub App: a fresh key pair, its bot user, its place in the state."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emulators.github.records import EmulatedApp
from emulators.github.state import GitHubState


def register_app(
    state: GitHubState, slug: str, webhook_secret: str, webhook_url: str | None,
    permissions: dict[str, str] | None = None,
) -> EmulatedApp:
    """A new App in the state; the key is made before taking the state's lock (it is slow)."""
    pem, public = _key_pair()
    with state.lock:
        app = EmulatedApp(
            state.next_id(),
            slug,
            pem,
            webhook_secret,
            webhook_url,
            f"{slug}[bot]",
            public,
            state.next_id(),
            state.now(),
            permissions,
        )
        state.apps[app.id] = app
        state.ensure_account(app.bot_login, "Bot")
    return app


def _key_pair() -> tuple[str, str]:
    """A fresh RSA key for an app: private key (PKCS#8 PEM) and public key (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()  # fmt: skip
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()
