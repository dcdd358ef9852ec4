"""Memory the flow's process frees goes back to the system: large blocks (the cleaned batches that
come back from the workers, pickled, several MB each) are mapped on their own by glibc's malloc and
unmapped when freed.

By default glibc raises its mapping threshold each time such a block is freed (up to 32 MB), so after
the first large batch the later ones came from the heap, which only shrinks from its top: the flow's
process kept the high-water mark of its largest batches (about 65 MB of PSS more on 2,000 articles).
Not set in the processes that read and clean pages: there every page (a few hundred KB) would be
mapped and unmapped several times, about 1 ms of CPU per article. No effect where malloc is not glibc's.
"""
from __future__ import annotations

import ctypes
import sys

M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value, kept from then on
_SET: list[bool] = []


def return_large_blocks() -> None:
    """Once per process: large blocks mapped on their own, so freeing them gives them back."""
    if _SET or not sys.platform.startswith("linux"):
        return
    _SET.append(True)
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): nothing to set
        pass
