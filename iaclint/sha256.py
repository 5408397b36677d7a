"""SHA-256 from CPython's built-in implementation, as the standard library's `random` takes
SHA-512: importing `hashlib` loads OpenSSL's libcrypto first, 5-6 ms of a pre-commit run of
about 170 ms, for digests that are the same either way."""

from __future__ import annotations

try:
    from _sha2 import sha256  # CPython 3.12 and later
except ImportError:
    try:
        from _sha256 import sha256  # CPython 3.11
    except ImportError:  # a build without the built-in hashes
        from hashlib import sha256

__all__ = ["sha256"]
