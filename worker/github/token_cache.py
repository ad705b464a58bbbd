"""githubkit's token cache in Redis, sealed: Redis holds installation tokens encrypted only.

Every worker process derives the same AES-256-GCM key from the App's private key (HKDF-SHA256),
so they share tokens without the key itself living anywhere new; reading Redis yields no
credential. Each value is bound to its Redis key, so a sealed token moved to another key (to
act as another installation) does not open. A value that does not open is a cache miss:
githubkit then asks GitHub for a new token and overwrites it.
"""

from __future__ import annotations

import base64
import binascii
import os
from datetime import timedelta

import redis
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from githubkit.cache import BaseCache, BaseCacheStrategy
from githubkit.cache.base import AsyncBaseCache
from githubkit.exception import CacheUnsupportedError
from hishel import AsyncBaseStorage, SyncBaseStorage

KEY_INFO = b"kiln token cache v1"
NONCE_BYTES = 12


def cache_key_from(private_key_pem: str) -> bytes:
    """The 256-bit sealing key for an App's private key (the same in every worker process)."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    # The canonical form, so the PEM's layout (PKCS#1 or #8, line breaks) changes nothing.
    material = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO).derive(material)


class Sealer:
    """Encrypts a value for one Redis key and opens it again (None when it does not open)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, name: str, value: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, value.encode(), name.encode())
        return base64.urlsafe_b64encode(sealed).decode()

    def open(self, name: str, sealed: str | bytes) -> str | None:
        try:
            raw = base64.urlsafe_b64decode(sealed)
            opened = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], name.encode())
        except (InvalidTag, binascii.Error, ValueError):
            return None
        return opened.decode()


class SealedRedisCache(BaseCache):
    """githubkit's key-value cache (app JWTs, installation tokens) kept sealed in Redis."""

    def __init__(self, client: redis.Redis, prefix: str, sealer: Sealer) -> None:
        self._client = client
        self._prefix = prefix
        self._sealer = sealer

    def get(self, key: str) -> str | None:
        name = f"{self._prefix}:{key}"
        sealed = self._client.get(name)
        return None if sealed is None else self._sealer.open(name, sealed)

    def set(self, key: str, value: str, ex: timedelta) -> None:
        name = f"{self._prefix}:{key}"
        self._client.set(name, self._sealer.seal(name, value), ex)


class SealedRedisCacheStrategy(BaseCacheStrategy):
    """A githubkit cache strategy sharing tokens between processes through Redis, sealed.

    Sync only, and no HTTP response cache (Kiln runs with ``http_cache=False``): responses
    would otherwise sit in Redis in clear.
    """

    def __init__(self, client: redis.Redis, prefix: str, key: bytes) -> None:
        self._cache = SealedRedisCache(client, prefix.removesuffix(":"), Sealer(key))

    def get_cache_storage(self) -> SealedRedisCache:
        return self._cache

    async def get_async_cache_storage(self) -> AsyncBaseCache:
        raise CacheUnsupportedError("the sealed Redis cache is sync only")

    def get_hishel_storage(self) -> SyncBaseStorage:
        raise CacheUnsupportedError("HTTP responses are not cached in Redis")

    async def get_async_hishel_storage(self) -> AsyncBaseStorage:
        raise CacheUnsupportedError("HTTP responses are not cached in Redis")
