"""Rate limits that never store who asked.

The client's address is turned into an HMAC with a key that lives only in
the cache and is replaced every day; the counter is keyed by that HMAC. No
address reaches the database or the logs, and yesterday's keys cannot be
linked to an address once the day's key is gone.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from django.core.cache import cache

_KEY_TTL = 60 * 60 * 25


def _daily_key() -> bytes:
    name = "mesa:ratelimit:key:" + datetime.now(UTC).strftime("%Y%m%d")
    key = cache.get(name)
    if key is None:
        cache.add(name, secrets.token_hex(32), _KEY_TTL)
        key = cache.get(name)
    return key.encode()


def _client_fingerprint(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    return hmac.new(_daily_key(), address.encode(), hashlib.sha256).hexdigest()[:32]


def allow(request, scope: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt for this client in `scope`; False once over `limit` in the window."""
    bucket = int(datetime.now(UTC).timestamp()) // window_seconds
    key = f"mesa:ratelimit:{scope}:{bucket}:{_client_fingerprint(request)}"
    cache.add(key, 0, window_seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window_seconds + 5)
        count = 1
    return count <= limit
