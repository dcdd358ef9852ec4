"""Memory a process has freed goes back to the system, so that a process between batches holds
its imports and caches, not the high-water mark of its largest batch.

- `return_large_blocks()`, in the flow's process: large blocks (the cleaned batches that come back
  from the workers, pickled, several MB each) are mapped on their own by glibc's malloc and unmapped
  when freed. By default glibc raises its mapping threshold each time such a block is freed (up to
  32 MB), so after the first large batch the later ones came from the heap, which only shrinks from
  its top: the flow's process kept the high-water mark of its largest batches (about 65 MB of PSS
  more on 2,000 articles). Not set in the processes that read and clean pages: there every page (a
  few hundred KB) would be mapped and unmapped several times, about 1 ms of CPU per article.
- `give_back_free_memory()`, once a batch is done in the processes that read or clean pages: the
  heap's free pages are handed back (malloc_trim). A worker process that had read and validated a
  batch of 200 kept about 120 MB of free heap until its next batch, and two workers rarely peak at
  the same moment, so that memory counted in the machine's total. A few milliseconds a batch.

No effect where malloc is not glibc's.
"""
from __future__ import annotations

import ctypes
import sys
from functools import lru_cache

M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value, kept from then on
_SET: list[bool] = []


@lru_cache(maxsize=1)
def _glibc():
    """glibc's C library, or None (another platform, or musl, which has neither call)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018  both present, or AttributeError
    except (OSError, AttributeError):
        return None
    return libc


def return_large_blocks() -> None:
    """Once per process: large blocks mapped on their own, so freeing them gives them back."""
    libc = _glibc()
    if _SET or libc is None:
        return
    _SET.append(True)
    libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def give_back_free_memory() -> None:
    """Hand the heap's free pages back to the system (after a batch, not per article)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
