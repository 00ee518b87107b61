"""The independent function both apps fan out: a SHA-256 digest of 16 MiB.

hashlib lets go of the GIL while it hashes a buffer this large, so threads can run several
digests at once on several cores: fanned out on threads, they run in parallel.
"""

import hashlib

#: What each call hashes.
DATA = bytes(16 * 2**20)
#: The most functions one request may fan out into.
MOST = 16


def digest(i: int) -> str:
    """The ``i``-th call's digest: of the same data, then of ``i``."""
    h = hashlib.sha256(DATA)
    h.update(i.to_bytes(4, "little"))
    return h.hexdigest()
