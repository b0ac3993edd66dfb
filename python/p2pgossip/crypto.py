"""Small, public crypto helpers: Ed25519 (libsodium), XXH3 (xxHash 0.8), batch verification.

`verify_batch` checks many messages in one native call with the GIL released; pass a
`VerifyCache` to share verification results between nodes of one process.
"""

from ._core.crypto import VerifyCache, ed25519_sign, ed25519_verify, xxh3_64, xxh3_128
from ._core.host import verify_batch

__all__ = ["VerifyCache", "ed25519_sign", "ed25519_verify", "verify_batch", "xxh3_64", "xxh3_128"]
