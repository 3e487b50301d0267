"""Receipt codes of anonymous concerns, kept the way GlobaLeaks and SecureDrop do.

A code is shown once to the reporter and never stored: the concern keeps
only its scrypt hash, salted with a per-installation secret so that the hash
can be looked up (the code itself carries ~100 bits of entropy, the slow hash
makes a stolen database useless for guessing).
"""

import hashlib
import hmac
import secrets

from django.conf import settings

# Crockford's base32 without the look-alikes: easy to read aloud or copy by hand.
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
_GROUPS, _GROUP_LENGTH = 5, 4  # 20 characters: log2(30**20) ≈ 98 bits

# scrypt cost: about 50 ms and 16 MiB per look-up on a small server.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP_LENGTH))
    return "-".join(raw[i:i + _GROUP_LENGTH] for i in range(0, len(raw), _GROUP_LENGTH))


def normalise(code: str) -> str:
    """Forgive case, spaces and dashes the way people type a code from paper."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(cleaned[i:i + _GROUP_LENGTH] for i in range(0, len(cleaned), _GROUP_LENGTH))


def _salt() -> bytes:
    return hmac.new(settings.MESA_RECEIPT_KEY.encode(), b"mesa-receipt-salt", hashlib.sha256).digest()


def code_hash(code: str) -> str:
    return hashlib.scrypt(normalise(code).encode(), salt=_salt(), **_SCRYPT).hex()


def looks_like_a_code(code: str) -> bool:
    cleaned = normalise(code).replace("-", "")
    return len(cleaned) == _GROUPS * _GROUP_LENGTH and all(ch in _ALPHABET for ch in cleaned)
